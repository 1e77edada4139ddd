/// The per-image transforms of training and testing (MMDetection's `train_pipeline` and
/// `test_pipeline` for Mask R-CNN): keep-ratio resize with a multi-scale choice, random horizontal
/// flip, and optionally rasterising masks, all on the loader's worker threads. Normalisation and
/// padding happen when the batch is assembled (`ImageBatch`).
///
/// With `poly2mask` (mmdet's `LoadAnnotations(poly2mask=True)`, the default) training masks are made as mmdet's
/// bitmap path makes them (`LoadAnnotations`, then `Resize`, then `RandomFlip`): polygons are rasterised at the
/// original image size with pycocotools' rules, the bitmap is rescaled with OpenCV's nearest neighbour and then
/// flipped (scripts/reference/check_masks.sh compares it with mmdet's path written with pycocotools and numpy).
/// Without it the masks stay outlines as mmdet's `PolygonMasks` do: scaled by the image's per-axis ratios and
/// mirrored (x -> width - x), then cut out and rasterised in each positive RoI at the mask size when the mask
/// targets are made (`PolygonMaskTargets`); eqlv2's LVIS configs load masks that way.
public struct SamplePipeline: Sendable {
    public var resize: ResizePolicy
    public var flipProbability: Double
    public var normalization: Normalization
    /// Padded batch sides are multiples of this.
    public var sizeDivisor: Int
    /// Turn masks into bitmaps at the transformed size on the worker threads (with `poly2mask`), as mmdet does.
    public var rasterizeMasks: Bool
    /// Keep mask geometry at all (box-only detectors drop it).
    public var withMasks: Bool
    /// Rasterise at the original size and rescale the bitmap (mmdet `poly2mask=True`); false keeps outlines.
    public var poly2mask: Bool

    public init(resize: ResizePolicy, flipProbability: Double, normalization: Normalization = .imageNetRGB,
                sizeDivisor: Int = 32, rasterizeMasks: Bool = true, withMasks: Bool = true,
                poly2mask: Bool = true) {
        precondition((0 ... 1).contains(flipProbability) && sizeDivisor >= 1)
        self.resize = resize
        self.flipProbability = flipProbability
        self.normalization = normalization
        self.sizeDivisor = sizeDivisor
        self.rasterizeMasks = rasterizeMasks
        self.withMasks = withMasks
        self.poly2mask = poly2mask
    }

    public static let lvisTraining = SamplePipeline(resize: .lvisTraining, flipProbability: 0.5)
    public static let lvisTesting = SamplePipeline(resize: .lvisTesting, flipProbability: 0, rasterizeMasks: false, withMasks: false)

    /// Transforms one decoded image and its annotations; every random choice comes from `generator`.
    public func apply(to image: RGBImage, item: DatasetImage, generator: inout SplitMix64) -> TransformedSample {
        let size = resize.targetSize(width: image.width, height: image.height, generator: &generator)
        let flip = flipProbability > 0 && generator.nextUnit() < flipProbability
        let sx = Double(size.width) / Double(image.width), sy = Double(size.height) / Double(image.height)
        let resized = image.resized(width: size.width, height: size.height, mirrored: flip)

        var boxes: [BoundingBox] = [], labels: [Int] = [], masks: [InstanceMask?] = []
        for instance in item.instances {
            // Clipped to the image as MMDetection does (bbox_clip_border), so boxes that stuck out
            // in the file cannot leave the image after flipping.
            var box = instance.box.scaled(x: sx, y: sy).clipped(width: Double(size.width), height: Double(size.height))
            if flip { box = box.flippedHorizontally(imageWidth: Double(size.width)) }
            boxes.append(box)
            labels.append(instance.label)
            guard withMasks, var mask = instance.mask else { masks.append(nil); continue }
            if case .bitmap(let bitmap) = mask, bitmap.width != image.width || bitmap.height != image.height {
                mask = .bitmap(bitmap.resized(width: image.width, height: image.height))
            }
            if rasterizeMasks && poly2mask {
                mask = .bitmap(mask.rasterized(width: image.width, height: image.height)
                    .resizedLikeOpenCV(width: size.width, height: size.height))
            } else {
                mask = mask.scaled(x: sx, y: sy, toWidth: size.width, height: size.height)
            }
            if flip { mask = mask.flippedHorizontally(imageWidth: size.width) }
            masks.append(mask)
        }
        let meta = ImageMeta(imageID: item.id, path: item.path, originalWidth: image.width, originalHeight: image.height,
                             width: size.width, height: size.height, scaleX: sx, scaleY: sy, flipped: flip)
        return TransformedSample(image: resized, boxes: boxes, labels: labels, masks: masks, meta: meta)
    }
}
