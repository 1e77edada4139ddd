/// The targets of one image in a batch, in the transformed image's pixels.
public struct ImageTargets: Sendable {
    public var boxes: [BoundingBox]
    /// Contiguous labels 0..<C.
    public var labels: [Int]
    /// One per box; nil where the annotation had no mask.
    public var masks: [InstanceMask?]

    /// The boxes as a flat [x0, y0, x1, y1, ...] array.
    public var flatBoxes: [Float] { boxes.flatMap { [Float($0.x0), Float($0.y0), Float($0.x1), Float($0.y1)] } }

    /// The masks as bitmaps of `width` x `height` (the transformed image size), rasterised now
    /// if the pipeline left them as polygons.
    public func maskBitmaps(width: Int, height: Int) -> [BinaryMask] {
        masks.map { $0?.rasterized(width: width, height: height) ?? BinaryMask(width: width, height: height) }
    }
}
