import Torch

/// The model's view of `ImageMeta` (defined with the data pipeline, which fills it in).
extension ImageMeta {
    /// (height, width) after resizing and before padding: the region of the batch tensor holding the image.
    public var inputSize: (height: Int, width: Int) { (height, width) }
    /// (height, width) of the image as stored on disk.
    public var originalSize: (height: Int, width: Int) { (originalHeight, originalWidth) }
    /// Input pixels per original pixel along x and y.
    public var scaleFactor: (x: Double, y: Double) { (scaleX, scaleY) }

    /// An image fed at its original size (tests, single-image inference).
    public init(height: Int, width: Int, imageID: Int = 0, path: String = "") {
        self.init(
            imageID: imageID, path: path, originalWidth: width, originalHeight: height, width: width, height: height,
            scaleX: 1, scaleY: 1, flipped: false)
    }

    /// The input size rounded up to a multiple of `divisor`: mmdet's per-image `pad_shape`, which decides
    /// which anchors are valid (anchors centred in the batch padding of other, larger images are not).
    public func paddedSize(divisor: Int = 32) -> (height: Int, width: Int) {
        ((height + divisor - 1) / divisor * divisor, (width + divisor - 1) / divisor * divisor)
    }
}

/// The annotations of one training image, in network-input pixels (after resize and flip).
public struct DetectionTargets {
    /// M x 4 float32, x1 y1 x2 y2.
    public var boxes: Tensor
    /// M int64 class indices 0..<C.
    public var labels: Tensor
    /// M x H x W uint8 instance masks at the unpadded input resolution (`ImageMeta.inputSize`), or nil.
    public var masks: Tensor?
    /// The instance masks as outlines in input pixels instead (`poly2mask: false`, mmdet's `PolygonMasks`), one
    /// list per box: the mask targets are rasterised in each positive RoI (`PolygonMaskTargets`).
    public var maskOutlines: [[[Point2D]]]?

    public init(boxes: Tensor, labels: Tensor, masks: Tensor? = nil, maskOutlines: [[[Point2D]]]? = nil) {
        self.boxes = boxes
        self.labels = labels
        self.masks = masks
        self.maskOutlines = maskOutlines
    }

    public var count: Int { boxes.size(0) }
}

/// The detections of one image, in ORIGINAL image pixels, sorted by descending score.
public struct Detections {
    /// K x 4 float32, x1 y1 x2 y2.
    public var boxes: Tensor
    /// K float32.
    public var scores: Tensor
    /// K int64 class indices 0..<C.
    public var labels: Tensor
    /// K x H0 x W0 uint8 (0/1) masks at the original image size, or nil for a box-only model.
    public var masks: Tensor?

    public init(boxes: Tensor, scores: Tensor, labels: Tensor, masks: Tensor? = nil) {
        self.boxes = boxes
        self.scores = scores
        self.labels = labels
        self.masks = masks
    }

    public var count: Int { boxes.size(0) }
}
