/// An instance's mask as it travels through the transforms: polygons stay geometry (scaled and
/// mirrored exactly, rasterised only at the final size), bitmaps (from RLE annotations) are
/// resampled.
public enum InstanceMask: Sendable, Equatable {
    /// One or more outlines whose union is the mask.
    case polygons([[Point2D]])
    case bitmap(BinaryMask)

    public func scaled(x sx: Double, y sy: Double, toWidth width: Int, height: Int) -> InstanceMask {
        switch self {
        case .polygons(let parts): return .polygons(parts.map { $0.map { Point2D($0.x * sx, $0.y * sy) } })
        case .bitmap(let mask): return .bitmap(mask.resized(width: width, height: height))
        }
    }

    public func flippedHorizontally(imageWidth: Int) -> InstanceMask {
        switch self {
        case .polygons(let parts): return .polygons(parts.map { $0.map { Point2D(Double(imageWidth) - $0.x, $0.y) } })
        case .bitmap(let mask): return .bitmap(mask.flippedHorizontally())
        }
    }

    /// The mask as pixels of a `width` x `height` image.
    public func rasterized(width: Int, height: Int) -> BinaryMask {
        switch self {
        case .polygons(let parts):
            return PolygonRasterizer.rasterize(parts, width: width, height: height)
        case .bitmap(let mask):
            return mask.width == width && mask.height == height ? mask : mask.resized(width: width, height: height)
        }
    }
}

/// Polygon-to-pixels for training targets: a pixel is inside when its centre is inside any part.
enum PolygonRasterizer {
    static func rasterize(_ parts: [[Point2D]], width: Int, height: Int) -> BinaryMask {
        var values = [UInt8](repeating: 0, count: width * height)
        values.withUnsafeMutableBufferPointer { buffer in
            for part in parts {
                Canvas.scanPolygon(part, width: width, height: height) { y, x0, x1 in
                    let row = y * width
                    for x in x0 ..< x1 { buffer[row + x] = 1 }
                }
            }
        }
        return BinaryMask(width: width, height: height, values: values)
    }
}
