/// The targets of one image in a batch, in the transformed image's pixels.
public struct ImageTargets: Sendable {
    public var boxes: [BoundingBox]
    /// Contiguous labels 0..<C.
    public var labels: [Int]
    /// One per box; nil where the annotation had no mask.
    public var masks: [InstanceMask?]

    public init(boxes: [BoundingBox], labels: [Int], masks: [InstanceMask?]) {
        self.boxes = boxes
        self.labels = labels
        self.masks = masks
    }

    /// The boxes as a flat [x0, y0, x1, y1, ...] array.
    public var flatBoxes: [Float] { boxes.flatMap { [Float($0.x0), Float($0.y0), Float($0.x1), Float($0.y1)] } }

    /// The masks as outlines when the pipeline kept them so (`poly2mask: false`, mmdet's `PolygonMasks`): one
    /// list of outlines per box, empty where the annotation had no mask. Nil when any mask is a bitmap (an RLE
    /// annotation, or `poly2mask: true`), whose targets come from `maskBitmaps`.
    public var maskOutlines: [[[Point2D]]]? {
        var outlines: [[[Point2D]]] = []
        var anyOutline = false
        for mask in masks {
            switch mask {
            case .polygons(let parts)?: outlines.append(parts); anyOutline = true
            case .bitmap?: return nil
            case nil: outlines.append([])
            }
        }
        return anyOutline ? outlines : nil
    }

    /// The masks as bitmaps of `width` x `height` (the transformed image size), rasterised now
    /// if the pipeline left them as polygons.
    public func maskBitmaps(width: Int, height: Int) -> [BinaryMask] {
        masks.map { $0?.rasterized(width: width, height: height) ?? BinaryMask(width: width, height: height) }
    }
}
