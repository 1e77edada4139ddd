import LVISKit

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

/// Polygon-to-pixels exactly as pycocotools does it (`frPyObjects` + `merge` + `decode`, through
/// LVISKit's port), which is what MMDetection's training masks are made with.
enum PolygonRasterizer {
    static func rasterize(_ parts: [[Point2D]], width: Int, height: Int) -> BinaryMask {
        let flat = parts.map(\.flatCoordinates).filter { $0.count >= 6 }
        guard !flat.isEmpty, let rle = try? RLE(polygons: flat, height: height, width: width) else {
            return BinaryMask(width: width, height: height)
        }
        return BinaryMask(rle)
    }
}
