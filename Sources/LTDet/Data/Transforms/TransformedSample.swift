/// One image after resizing and flipping (still 8-bit), with its targets in the same frame.
public struct TransformedSample: Sendable {
    public var image: RGBImage
    public var boxes: [BoundingBox]
    public var labels: [Int]
    public var masks: [InstanceMask?]
    public var meta: ImageMeta
}
