/// What is known about one image's geometry after the transforms, to map predictions back to the
/// original image: undo the flip in the resized frame, then divide by the scale.
public struct ImageMeta: Sendable, Equatable, Codable {
    public let imageID: Int
    public let path: String
    public let originalWidth: Int
    public let originalHeight: Int
    /// Size after resizing (and flipping), before padding.
    public let width: Int
    public let height: Int
    public let scaleX: Double
    public let scaleY: Double
    public let flipped: Bool

    /// A box predicted on the transformed image, in original image pixels.
    public func boxInOriginalImage(_ box: BoundingBox) -> BoundingBox {
        let unflipped = flipped ? box.flippedHorizontally(imageWidth: Double(width)) : box
        return unflipped.scaled(x: 1 / scaleX, y: 1 / scaleY)
            .clipped(width: Double(originalWidth), height: Double(originalHeight))
    }
}

/// One image after resizing and flipping (still 8-bit), with its targets in the same frame.
public struct TransformedSample: Sendable {
    public var image: RGBImage
    public var boxes: [BoundingBox]
    public var labels: [Int]
    public var masks: [InstanceMask?]
    public var meta: ImageMeta
}
