/// An sRGB colour with 8 bits per channel.
public struct Color: Sendable, Equatable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(UInt8((hex >> 16) & 0xFF), UInt8((hex >> 8) & 0xFF), UInt8(hex & 0xFF))
    }

    public static let black = Color(0, 0, 0)
    public static let white = Color(255, 255, 255)
    public static let gray = Color(128, 128, 128)
    public static let lightGray = Color(220, 220, 220)

    /// Matplotlib's "tab10" colours: distinguishable series and class colours for plots and
    /// prediction overlays.
    public static let categorical: [Color] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
    ].map { Color(hex: $0) }

    /// The colour for series or class `index`, cycling through `categorical`.
    public static func categorical(_ index: Int) -> Color {
        categorical[((index % categorical.count) + categorical.count) % categorical.count]
    }

    /// A perceptually ordered blue-to-yellow ramp (endpoints and midpoints of viridis) for heatmaps;
    /// `value` is clamped to [0, 1].
    public static func sequential(_ value: Double) -> Color {
        let stops: [(Double, Double, Double)] = [
            (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
        ]
        let t = min(max(value.isFinite ? value : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(t), stops.count - 2)
        let f = t - Double(i)
        func lerp(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
        return Color(lerp(stops[i].0, stops[i + 1].0), lerp(stops[i].1, stops[i + 1].1), lerp(stops[i].2, stops[i + 1].2))
    }
}
