/// An axis-aligned box in pixels as corners (x0, y0) top-left and (x1, y1) bottom-right, the
/// "xyxy" layout detectors work in (COCO files store [x, y, width, height]).
public struct BoundingBox: Sendable, Equatable, Hashable {
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    /// From COCO's [x, y, width, height].
    public init(xywh: [Double]) {
        precondition(xywh.count == 4, "BoundingBox: [x, y, w, h] needs 4 numbers, got \(xywh.count)")
        self.init(x0: xywh[0], y0: xywh[1], x1: xywh[0] + xywh[2], y1: xywh[1] + xywh[3])
    }

    public var width: Double { x1 - x0 }
    public var height: Double { y1 - y0 }
    public var area: Double { max(width, 0) * max(height, 0) }
    public var xywh: [Double] { [x0, y0, width, height] }

    public func scaled(x sx: Double, y sy: Double) -> BoundingBox {
        BoundingBox(x0: x0 * sx, y0: y0 * sy, x1: x1 * sx, y1: y1 * sy)
    }

    /// Mirrored in an image `imageWidth` pixels wide (MMDetection's rule: x0' = W - x1).
    public func flippedHorizontally(imageWidth: Double) -> BoundingBox {
        BoundingBox(x0: imageWidth - x1, y0: y0, x1: imageWidth - x0, y1: y1)
    }

    public func clipped(width: Double, height: Double) -> BoundingBox {
        BoundingBox(x0: min(max(x0, 0), width), y0: min(max(y0, 0), height),
                    x1: min(max(x1, 0), width), y1: min(max(y1, 0), height))
    }
}
