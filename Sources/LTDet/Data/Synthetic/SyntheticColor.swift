/// The colours of synthetic classes. Each base colour has a twin that differs by about 50 levels
/// in one or two channels: classes that share shape and pattern and differ only by base colour
/// versus twin form the deliberately confusable pairs of the benchmark.
public struct SyntheticColor: Sendable, Equatable {
    public let name: String
    public let color: Color
    public let twinName: String
    public let twin: Color

    public static let palette: [SyntheticColor] = [
        SyntheticColor(name: "red", color: Color(210, 40, 40), twinName: "vermilion", twin: Color(230, 95, 35)),
        SyntheticColor(name: "green", color: Color(40, 160, 60), twinName: "lime", twin: Color(110, 195, 40)),
        SyntheticColor(name: "blue", color: Color(40, 80, 210), twinName: "azure", twin: Color(40, 140, 230)),
        SyntheticColor(name: "yellow", color: Color(235, 210, 40), twinName: "amber", twin: Color(240, 165, 30)),
        SyntheticColor(name: "magenta", color: Color(205, 45, 185), twinName: "pink", twin: Color(240, 110, 170)),
        SyntheticColor(name: "cyan", color: Color(40, 190, 200), twinName: "teal", twin: Color(30, 135, 130)),
        SyntheticColor(name: "orange", color: Color(245, 125, 20), twinName: "tan", twin: Color(205, 155, 95)),
        SyntheticColor(name: "purple", color: Color(115, 55, 180), twinName: "violet", twin: Color(165, 95, 225)),
        SyntheticColor(name: "white", color: Color(240, 240, 240), twinName: "silver", twin: Color(185, 185, 195)),
        SyntheticColor(name: "brown", color: Color(125, 75, 35), twinName: "maroon", twin: Color(135, 30, 65)),
    ]
}
