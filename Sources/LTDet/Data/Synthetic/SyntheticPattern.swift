import Foundation

/// The surface texture of a synthetic class, fixed in pixel units so that it reads the same on
/// small and large instances.
public enum SyntheticPattern: String, CaseIterable, Sendable {
    case plain, striped, dotted, checkered

    /// The colour at pixel centre (x, y) of an object with base colour `base`; `phase` shifts the
    /// texture per instance so that the pattern is not tied to image coordinates.
    func color(x: Double, y: Double, base: Color, phase: Double) -> Color {
        switch self {
        case .plain:
            return base
        case .striped:
            let t = ((x + y) / 7 + phase).truncatingRemainder(dividingBy: 1)
            return t < 0.5 ? base : SyntheticPattern.shade(base, 0.45)
        case .dotted:
            let spacing = 6.0
            let dx = (x / spacing + phase).truncatingRemainder(dividingBy: 1) - 0.5
            let dy = (y / spacing + phase).truncatingRemainder(dividingBy: 1) - 0.5
            return dx * dx + dy * dy < 0.09 ? SyntheticPattern.tint(base, 0.75) : base
        case .checkered:
            let cx = Int((x / 4 + phase * 2).rounded(.down)), cy = Int((y / 4 + phase * 2).rounded(.down))
            return (cx + cy) & 1 == 0 ? base : SyntheticPattern.shade(base, 0.55)
        }
    }

    static func shade(_ color: Color, _ factor: Double) -> Color {
        Color(UInt8(Double(color.r) * factor), UInt8(Double(color.g) * factor), UInt8(Double(color.b) * factor))
    }

    static func tint(_ color: Color, _ amount: Double) -> Color {
        func up(_ v: UInt8) -> UInt8 { UInt8(Double(v) + (255 - Double(v)) * amount) }
        return Color(up(color.r), up(color.g), up(color.b))
    }
}
