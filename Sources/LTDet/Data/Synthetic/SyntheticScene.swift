import Foundation

/// Draws one synthetic image: a textured background with clutter, then the requested classes as
/// non-overlapping objects (so every polygon is the object's exact visible mask).
public struct SyntheticScene: Sendable {
    public let image: RGBImage
    public let instances: [SyntheticInstance]

    /// - Parameters:
    ///   - classes: the classes this image must show (each at least once when space allows).
    ///   - extraInstanceProbability: the chance of each further instance of a class (up to 3).
    public init(size: Int, classes: [SyntheticClass], extraInstanceProbability: Double = 0.35,
                generator: inout SplitMix64) {
        var canvas = SyntheticScene.background(size: size, generator: &generator)
        let minimum = max(16, Double(size) * 0.12), maximum = max(minimum + 1, Double(size) * 0.36)
        var occupied: [(Double, Double, Double, Double)] = []
        var instances: [SyntheticInstance] = []

        var requests: [(SyntheticClass, first: Bool)] = classes.map { ($0, true) }
        for c in classes {
            var extra = 0
            while extra < 2, generator.nextUnit() < extraInstanceProbability { extra += 1 }
            requests += Array(repeating: (c, false), count: extra)
        }
        for (c, isFirst) in requests {
            var diameter = minimum + (maximum - minimum) * pow(generator.nextUnit(), 1.5)
            let aspect = generator.nextDouble(in: 0.8 ... 1.25), rotation = generator.nextDouble(in: -0.25 ... 0.25)
            var placed: [Point2D]? = nil
            attempts: for attempt in 0 ..< (isFirst ? 60 : 15) {
                if attempt > 0, attempt % 15 == 0 { diameter = max(minimum, diameter * 0.8) }
                var template = c.shape.outline(center: Point2D(0, 0), radius: diameter / 2, aspect: aspect, rotation: rotation)
                var xs = template.map(\.x), ys = template.map(\.y)
                // Narrow shapes (diamond, arrow) are enlarged until their short side is `minimum`.
                let shortSide = min(xs.max()! - xs.min()!, ys.max()! - ys.min()!)
                if shortSide < minimum {
                    template = c.shape.outline(center: Point2D(0, 0), radius: diameter / 2 * minimum / shortSide,
                                               aspect: aspect, rotation: rotation)
                    xs = template.map(\.x)
                    ys = template.map(\.y)
                }
                let (x0, x1, y0, y1) = (xs.min()!, xs.max()!, ys.min()!, ys.max()!)
                let free = (Double(size) - 2 - (x1 - x0), Double(size) - 2 - (y1 - y0))
                guard free.0 > 0, free.1 > 0 else { continue }
                let dx = 1 - x0 + generator.nextUnit() * free.0, dy = 1 - y0 + generator.nextUnit() * free.1
                let box = (x0 + dx - 2, y0 + dy - 2, x1 + dx + 2, y1 + dy + 2)
                for o in occupied where box.0 < o.2 && o.0 < box.2 && box.1 < o.3 && o.1 < box.3 { continue attempts }
                occupied.append(box)
                placed = template.map { Point2D(SyntheticScene.round2($0.x + dx), SyntheticScene.round2($0.y + dy)) }
                break
            }
            guard let outline = placed else { continue }
            let base = SyntheticScene.jitter(c.color, by: 8, generator: &generator)
            let phase = generator.nextUnit()
            canvas.fillPolygon(outline) { x, y in c.pattern.color(x: x, y: y, base: base, phase: phase) }
            instances.append(SyntheticInstance(categoryID: c.id, outline: outline, annotated: true))
        }
        image = canvas.image
        self.instances = instances
    }

    /// A smooth two-colour gradient in muted tones with pixel noise and a few grey strokes and
    /// blobs, so that detectors must learn the objects rather than "anything not flat".
    static func background(size: Int, generator: inout SplitMix64) -> Canvas {
        func muted() -> (Double, Double, Double) {
            let grey = generator.nextDouble(in: 70 ... 170)
            return (grey + generator.nextDouble(in: -18 ... 18), grey + generator.nextDouble(in: -18 ... 18),
                    grey + generator.nextDouble(in: -18 ... 18))
        }
        let from = muted(), to = muted()
        let angle = generator.nextDouble(in: 0 ... 2 * .pi)
        let (ux, uy) = (cos(angle), sin(angle))
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        var noise = SplitMix64(seed: generator.next())
        for y in 0 ..< size {
            for x in 0 ..< size {
                let t = 0.5 + ((Double(x) - Double(size) / 2) * ux + (Double(y) - Double(size) / 2) * uy) / Double(size)
                let bits = noise.next()
                let i = (y * size + x) * 3
                let n0 = Double(Int(bits & 0xF) - 8), n1 = Double(Int((bits >> 4) & 0xF) - 8), n2 = Double(Int((bits >> 8) & 0xF) - 8)
                pixels[i] = UInt8(clamping: Int((from.0 + (to.0 - from.0) * t + n0).rounded()))
                pixels[i + 1] = UInt8(clamping: Int((from.1 + (to.1 - from.1) * t + n1).rounded()))
                pixels[i + 2] = UInt8(clamping: Int((from.2 + (to.2 - from.2) * t + n2).rounded()))
            }
        }
        var canvas = Canvas(image: RGBImage(width: size, height: size, pixels: pixels))
        let s = Double(size)
        for _ in 0 ..< 2 + generator.nextInt(below: 3) {
            let grey = UInt8(generator.nextDouble(in: 40 ... 210))
            let start = Point2D(generator.nextUnit() * s, generator.nextUnit() * s)
            let end = Point2D(generator.nextUnit() * s, generator.nextUnit() * s)
            canvas.drawLine(from: start, to: end, color: Color(grey, grey, grey), thickness: 1 + generator.nextInt(below: 2), alpha: 0.5)
        }
        for _ in 0 ..< 1 + generator.nextInt(below: 3) {
            let grey = UInt8(generator.nextDouble(in: 40 ... 210))
            canvas.fillCircle(center: Point2D(generator.nextUnit() * s, generator.nextUnit() * s),
                              radius: generator.nextDouble(in: 0.04 ... 0.12) * s, color: Color(grey, grey, grey), alpha: 0.35)
        }
        return canvas
    }

    static func jitter(_ color: Color, by amount: Double, generator: inout SplitMix64) -> Color {
        func shift(_ v: UInt8) -> UInt8 { UInt8(clamping: Int((Double(v) + generator.nextDouble(in: -amount ... amount)).rounded())) }
        return Color(shift(color.r), shift(color.g), shift(color.b))
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
