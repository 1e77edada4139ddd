import Foundation

/// The outlines a synthetic class can have. Every shape is a single simple polygon (the ring is
/// a keyhole outline with a zero-width slit), so that its COCO polygon mask is exact.
public enum SyntheticShape: String, CaseIterable, Sendable {
    case circle, square, triangle, diamond, pentagon, hexagon, star, cross, ring, arrow

    /// The outline in unit coordinates, inside [-1, 1] x [-1, 1], y down.
    var unitOutline: [Point2D] {
        switch self {
        case .circle: return SyntheticShape.regular(sides: 32, radius: 1)
        case .square: return [Point2D(-0.85, -0.85), Point2D(0.85, -0.85), Point2D(0.85, 0.85), Point2D(-0.85, 0.85)]
        case .triangle: return SyntheticShape.regular(sides: 3, radius: 1, startAngle: -.pi / 2)
        case .diamond: return [Point2D(0, -1), Point2D(0.72, 0), Point2D(0, 1), Point2D(-0.72, 0)]
        case .pentagon: return SyntheticShape.regular(sides: 5, radius: 1, startAngle: -.pi / 2)
        case .hexagon: return SyntheticShape.regular(sides: 6, radius: 1)
        case .star:
            return (0 ..< 10).map { k in
                let angle = -Double.pi / 2 + Double(k) * .pi / 5
                let radius = k % 2 == 0 ? 1.0 : 0.45
                return Point2D(radius * cos(angle), radius * sin(angle))
            }
        case .cross:
            let a = 0.32, b = 0.95
            return [Point2D(-a, -b), Point2D(a, -b), Point2D(a, -a), Point2D(b, -a), Point2D(b, a), Point2D(a, a),
                    Point2D(a, b), Point2D(-a, b), Point2D(-a, a), Point2D(-b, a), Point2D(-b, -a), Point2D(-a, -a)]
        case .ring:
            let outer = (0 ... 32).map { k in Point2D(cos(Double(k) * .pi / 16), sin(Double(k) * .pi / 16)) }
            let inner = (0 ... 32).reversed().map { k in Point2D(0.55 * cos(Double(k) * .pi / 16), 0.55 * sin(Double(k) * .pi / 16)) }
            return outer + inner
        case .arrow:
            return [Point2D(-0.95, -0.3), Point2D(0.15, -0.3), Point2D(0.15, -0.8), Point2D(0.95, 0),
                    Point2D(0.15, 0.8), Point2D(0.15, 0.3), Point2D(-0.95, 0.3)]
        }
    }

    /// The outline scaled to `radius` pixels (stretched by `aspect` along x), turned by `rotation`
    /// radians and moved to `center`.
    func outline(center: Point2D, radius: Double, aspect: Double, rotation: Double) -> [Point2D] {
        let c = cos(rotation), s = sin(rotation)
        return unitOutline.map { p in
            let x = p.x * radius * aspect, y = p.y * radius
            return Point2D(center.x + c * x - s * y, center.y + s * x + c * y)
        }
    }

    private static func regular(sides: Int, radius: Double, startAngle: Double = 0) -> [Point2D] {
        (0 ..< sides).map { k in
            let angle = startAngle + Double(k) * 2 * .pi / Double(sides)
            return Point2D(radius * cos(angle), radius * sin(angle))
        }
    }
}
