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
