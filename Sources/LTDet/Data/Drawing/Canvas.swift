import Foundation

/// A small raster drawing surface over an `RGBImage`: lines, rectangles, filled polygons and
/// circles with alpha blending, mask overlays and anti-aliased text (`Font`). Used for plots, prediction
/// overlays and the synthetic benchmark's images. Coordinates are pixels with (0, 0) at the
/// top-left corner of the top-left pixel; a pixel is covered when its centre is inside a shape.
public struct Canvas: Sendable {
    public private(set) var image: RGBImage

    public var width: Int { image.width }
    public var height: Int { image.height }

    public init(width: Int, height: Int, background: Color = .white) {
        image = RGBImage(width: width, height: height, fill: (background.r, background.g, background.b))
    }

    public init(image: RGBImage) {
        self.image = image
    }

    // MARK: Pixels

    /// Blends `color` over pixel (x, y) with opacity `alpha`; pixels outside the canvas are ignored.
    @inline(__always)
    public mutating func blendPixel(x: Int, y: Int, color: Color, alpha: Double = 1) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = (y * image.width + x) * 3
        if alpha >= 1 {
            image.pixels[i] = color.r; image.pixels[i + 1] = color.g; image.pixels[i + 2] = color.b
            return
        }
        let a = max(alpha, 0)
        image.pixels[i] = Canvas.mix(image.pixels[i], color.r, a)
        image.pixels[i + 1] = Canvas.mix(image.pixels[i + 1], color.g, a)
        image.pixels[i + 2] = Canvas.mix(image.pixels[i + 2], color.b, a)
    }

    public func pixel(x: Int, y: Int) -> Color {
        let i = (y * image.width + x) * 3
        return Color(image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
    }

    @inline(__always)
    private static func mix(_ under: UInt8, _ over: UInt8, _ alpha: Double) -> UInt8 {
        UInt8((Double(under) * (1 - alpha) + Double(over) * alpha).rounded())
    }

    // MARK: Shapes

    /// Fills the pixels whose centres lie in [x0, x1) x [y0, y1).
    public mutating func fillRect(x0: Double, y0: Double, x1: Double, y1: Double, color: Color, alpha: Double = 1) {
        let columns = Canvas.coveredRange(x0, x1, limit: image.width)
        let rows = Canvas.coveredRange(y0, y1, limit: image.height)
        for y in rows { for x in columns { blendPixel(x: x, y: y, color: color, alpha: alpha) } }
    }

    /// The outline of a box, drawn inside its edges so it never covers the neighbouring pixels.
    public mutating func strokeRect(x0: Double, y0: Double, x1: Double, y1: Double, color: Color,
                                    thickness: Int = 1, alpha: Double = 1) {
        let t = Double(max(thickness, 1))
        fillRect(x0: x0, y0: y0, x1: x1, y1: min(y0 + t, y1), color: color, alpha: alpha)
        fillRect(x0: x0, y0: max(y1 - t, y0 + t), x1: x1, y1: y1, color: color, alpha: alpha)
        fillRect(x0: x0, y0: y0 + t, x1: min(x0 + t, x1), y1: y1 - t, color: color, alpha: alpha)
        fillRect(x0: max(x1 - t, x0 + t), y0: y0 + t, x1: x1, y1: y1 - t, color: color, alpha: alpha)
    }

    /// A straight line with a square brush of `thickness` pixels; each pixel is painted once, so
    /// translucent lines blend evenly.
    public mutating func drawLine(from start: Point2D, to end: Point2D, color: Color, thickness: Int = 1, alpha: Double = 1) {
        let steps = max(Int(max(abs(end.x - start.x), abs(end.y - start.y)).rounded(.up)), 1)
        let radius = Double(max(thickness, 1)) / 2
        var painted = Set<Int>()
        for step in 0 ... steps {
            let t = Double(step) / Double(steps)
            let cx = start.x + (end.x - start.x) * t, cy = start.y + (end.y - start.y) * t
            for y in Canvas.coveredRange(cy - radius, cy + radius, limit: image.height) {
                for x in Canvas.coveredRange(cx - radius, cx + radius, limit: image.width)
                where painted.insert(y * image.width + x).inserted {
                    blendPixel(x: x, y: y, color: color, alpha: alpha)
                }
            }
        }
    }

    /// A polyline through `points`.
    public mutating func drawPolyline(_ points: [Point2D], color: Color, thickness: Int = 1, alpha: Double = 1) {
        for (a, b) in zip(points, points.dropFirst()) {
            drawLine(from: a, to: b, color: color, thickness: thickness, alpha: alpha)
        }
    }

    /// Fills a polygon (even-odd rule, so self-overlapping outlines leave holes).
    public mutating func fillPolygon(_ points: [Point2D], color: Color, alpha: Double = 1) {
        Canvas.scanPolygon(points, width: image.width, height: image.height) { y, x0, x1 in
            for x in x0 ..< x1 { blendPixel(x: x, y: y, color: color, alpha: alpha) }
        }
    }

    /// Fills a polygon with a colour computed per pixel (pixel centre coordinates), e.g. a texture.
    public mutating func fillPolygon(_ points: [Point2D], shader: (Double, Double) -> Color) {
        Canvas.scanPolygon(points, width: image.width, height: image.height) { y, x0, x1 in
            for x in x0 ..< x1 { blendPixel(x: x, y: y, color: shader(Double(x) + 0.5, Double(y) + 0.5)) }
        }
    }

    public mutating func fillCircle(center: Point2D, radius: Double, color: Color, alpha: Double = 1) {
        let rows = Canvas.coveredRange(center.y - radius, center.y + radius, limit: image.height)
        for y in rows {
            let dy = Double(y) + 0.5 - center.y
            let half = (radius * radius - dy * dy).squareRoot()
            guard half.isFinite else { continue }
            for x in Canvas.coveredRange(center.x - half, center.x + half, limit: image.width) {
                blendPixel(x: x, y: y, color: color, alpha: alpha)
            }
        }
    }

    /// Tints the pixels where `mask` (row-major, `width * height` of this canvas, non-zero = inside)
    /// is set: the usual instance-mask overlay.
    public mutating func overlayMask(_ mask: [UInt8], color: Color, alpha: Double = 0.5) {
        precondition(mask.count == image.width * image.height, "Canvas.overlayMask: mask size differs from canvas")
        for (i, value) in mask.enumerated() where value != 0 {
            blendPixel(x: i % image.width, y: i / image.width, color: color, alpha: alpha)
        }
    }

    // MARK: Text

    /// Text size in pixels (the font's em size) when a caller does not choose one.
    public static let defaultTextSize = 12

    /// The width of `text` and the height of its line at `size` pixels in `Font.standard()`.
    public static func textSize(_ text: String, size: Int = defaultTextSize) throws -> (width: Int, height: Int) {
        let line = try TextLine(text, size: size)
        return (line.width, line.ascent + line.descent)
    }

    /// Draws `text` with the top-left corner of its line box at (x, y); `background` fills a 2-pixel-padded
    /// box behind it so that labels stay readable over images.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: Color = .black, size: Int = defaultTextSize,
                                  background: Color? = nil, backgroundAlpha: Double = 1) throws {
        let line = try TextLine(text, size: size)
        if let background {
            fillRect(x0: Double(x - 2), y0: Double(y - 1), x1: Double(x + line.width + 2),
                     y1: Double(y + line.ascent + line.descent + 1), color: background, alpha: backgroundAlpha)
        }
        line.forEachPixel { u, v, coverage in
            blendPixel(x: x + u, y: y + v, color: color, alpha: Double(coverage) / 255)
        }
    }

    /// Draws `text` turned 90 degrees counter-clockwise (reading bottom to top), for y-axis labels;
    /// (x, y) is the top-left corner of the rotated line box.
    public mutating func drawVerticalText(_ text: String, x: Int, y: Int, color: Color = .black,
                                          size: Int = defaultTextSize) throws {
        let line = try TextLine(text, size: size)
        line.forEachPixel { u, v, coverage in
            blendPixel(x: x + v, y: y + line.width - 1 - u, color: color, alpha: Double(coverage) / 255)
        }
    }

    /// The top-left corner at which a `width` x `height` box lies inside the canvas, as close as possible to
    /// (x, y): labels near an edge move inwards instead of being clipped.
    public func placeInside(x: Int, y: Int, width: Int, height: Int) -> (x: Int, y: Int) {
        (max(0, min(x, image.width - width)), max(0, min(y, image.height - height)))
    }

    // MARK: Output

    /// Writes the canvas as PNG (or JPEG by extension) through a temporary file and a rename.
    public func write(to path: String) throws {
        try ImageFile.write(image, to: path)
    }

    // MARK: Rasterisation helpers

    /// The pixel indices whose centres lie in [low, high), clipped to 0..<limit.
    @inline(__always)
    static func coveredRange(_ low: Double, _ high: Double, limit: Int) -> Range<Int> {
        guard low.isFinite, high.isFinite else { return 0 ..< 0 }
        let first = max(Int((low - 0.5).rounded(.up)), 0)
        let last = min(Int((high - 0.5).rounded(.up)), limit)
        return first < last ? first ..< last : first ..< first
    }

    /// Calls `span(y, x0, x1)` for every run of pixels whose centres are inside `points` (even-odd).
    static func scanPolygon(_ points: [Point2D], width: Int, height: Int, span: (Int, Int, Int) -> Void) {
        guard points.count >= 3 else { return }
        let minY = points.map(\.y).min()!, maxY = points.map(\.y).max()!
        var crossings: [Double] = []
        for y in coveredRange(minY, maxY, limit: height) {
            let sampleY = Double(y) + 0.5
            crossings.removeAll(keepingCapacity: true)
            var previous = points[points.count - 1]
            for current in points {
                if (previous.y <= sampleY) != (current.y <= sampleY) {
                    let t = (sampleY - previous.y) / (current.y - previous.y)
                    crossings.append(previous.x + t * (current.x - previous.x))
                }
                previous = current
            }
            crossings.sort()
            var k = 0
            while k + 1 < crossings.count {
                let columns = coveredRange(crossings[k], crossings[k + 1], limit: width)
                if !columns.isEmpty { span(y, columns.lowerBound, columns.upperBound) }
                k += 2
            }
        }
    }
}
