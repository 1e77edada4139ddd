import Torch

/// One training step's sampled RoIs, as the RoI head built them: the typed record that the box head trains on
/// and that every long-tail component observes. Rows are the RoIs of all images of the batch, image by image,
/// positives first within each image (mmdet's order).
public struct SampledRoIs {
    /// K x 5 RoIs (image index, x1, y1, x2, y2) in input pixels.
    public var rois: Tensor
    /// K x C x S x S RoIAlign features, before the box head's shared FCs.
    public var roiFeatures: Tensor
    /// K int64 labels, foreground 0..<C, background C.
    public var labels: Tensor
    /// K x 4 encoded regression targets (zero rows for background RoIs).
    public var boxTargets: Tensor
    /// K int64: for a positive RoI the batch-unique index of its ground-truth instance (images' instances
    /// numbered one after the other), `ClassificationLossInput.notObserved` for a background RoI.
    public var instanceIDs: Tensor
    /// K int64: the image of each row.
    public var imageIndices: Tensor
    /// K bool: whether the row is a ground-truth box added as a proposal.
    public var isGroundTruth: Tensor
    /// The batch's annotations and image geometry (components that pool boxes of their own read them).
    public var targets: [DetectionTargets]
    public var metas: [ImageMeta]
    /// P2..P5, for components that pool features of boxes of their own (LOCE's feature sampling).
    public var featureMaps: [Tensor]

    public init(
        rois: Tensor, roiFeatures: Tensor, labels: Tensor, boxTargets: Tensor, instanceIDs: Tensor, imageIndices: Tensor,
        isGroundTruth: Tensor, targets: [DetectionTargets], metas: [ImageMeta], featureMaps: [Tensor]
    ) {
        self.rois = rois
        self.roiFeatures = roiFeatures
        self.labels = labels
        self.boxTargets = boxTargets
        self.instanceIDs = instanceIDs
        self.imageIndices = imageIndices
        self.isGroundTruth = isGroundTruth
        self.targets = targets
        self.metas = metas
        self.featureMaps = featureMaps
    }

    /// Number of rows.
    public var count: Int { labels.size(0) }
}
