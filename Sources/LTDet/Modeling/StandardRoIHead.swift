import Torch

// The second stage (mmdet `StandardRoIHead`). Training: per image, assign the proposals (plus the ground
// truth) to ground-truth boxes, sample RoIs, pool them from P2..P5 (7 x 7), run the box head and its losses;
// pool the positives again (14 x 14) for the mask head and its loss. Testing: box head on the proposals,
// per-class NMS, then the mask head on the kept boxes, masks pasted at the original image size.

/// Test-time post-processing of the box and mask heads (mmdet `test_cfg.rcnn`).
public struct RCNNTestConfig: Codable, Sendable, Equatable {
    public var scoreThreshold: Double
    public var iouThreshold: Double
    public var maxPerImage: Int
    public var maskThreshold: Double

    enum CodingKeys: String, CodingKey {
        case scoreThreshold = "score_thr", iouThreshold = "iou_threshold", maxPerImage = "max_per_img"
        case maskThreshold = "mask_thr_binary"
    }

    public init(scoreThreshold: Double, iouThreshold: Double, maxPerImage: Int, maskThreshold: Double = 0.5) {
        self.scoreThreshold = scoreThreshold
        self.iouThreshold = iouThreshold
        self.maxPerImage = maxPerImage
        self.maskThreshold = maskThreshold
    }
}

public class StandardRoIHead: Module {
    public let bboxHead: Shared2FCBoxHead
    public let maskHead: FCNMaskHead?
    public let boxPooler: MultiLevelRoIAlign
    public let maskPooler: MultiLevelRoIAlign
    public let coder: DeltaXYWHBoxCoder
    public let assigner: MaxIoUAssigner
    public let sampler: RandomSampler
    public let maskSize: Int
    /// The long-tail components of `model.roi_head.long_tail`, in config order.
    public let longTailComponents: [any LongTailComponent]

    public init(
        bboxHead: Shared2FCBoxHead, maskHead: FCNMaskHead?, boxPooler: MultiLevelRoIAlign,
        maskPooler: MultiLevelRoIAlign, coder: DeltaXYWHBoxCoder, assigner: MaxIoUAssigner, sampler: RandomSampler,
        maskSize: Int = 28, longTailComponents: [any LongTailComponent] = []
    ) {
        self.bboxHead = bboxHead
        self.maskHead = maskHead
        self.boxPooler = boxPooler
        self.maskPooler = maskPooler
        self.coder = coder
        self.assigner = assigner
        self.sampler = sampler
        self.maskSize = maskSize
        self.longTailComponents = longTailComponents
    }

    /// Every piece of running state below this head with its checkpoint prefix: the classification loss
    /// (`cls_loss`) and each long-tail component (`long_tail.<index>`).
    public func statefulComponents() -> [(String, any StatefulComponent)] {
        [("cls_loss", bboxHead.classificationLoss)]
            + longTailComponents.enumerated().map { ("long_tail.\($0.offset)", $0.element) }
    }

    /// Losses of the box and mask heads for one training step.
    public func loss(
        features: [Tensor], proposals: [Proposals], targets: [DetectionTargets], metas: [ImageMeta],
        context: TrainingStepContext
    ) throws -> (losses: [String: Tensor], metrics: [String: Double]) {
        let levels = Array(features.prefix(4))
        let (samples, rois) = try StageProfiler.measure("roi.assign+sample") {
            let samples = try zip(proposals, targets).map { p, t in
                try sampler.sample(
                    boxes: p.boxes, gtBoxes: t.boxes.to(p.boxes.device), gtLabels: t.labels.to(p.boxes.device),
                    assigner: assigner, generator: context.generator)
            }
            return (samples, try sampledRoIs(samples, levels: levels, targets: targets, metas: metas))
        }
        var terms = try boxHeadLoss(rois, context: context)
        terms.metrics["num_pos_rois"] = Double(samples.reduce(0) { $0 + $1.numPositives })

        if let maskHead {
            let positiveRoIs = try makeRoIs(samples.map(\.positiveBoxes))
            let pooled = try StageProfiler.measure("roi.mask_roialign") { try maskPooler(levels, rois: positiveRoIs) }
            let logits = try StageProfiler.measure("roi.mask_head") { try maskHead(pooled) }
            let maskTargets = try StageProfiler.measure("roi.mask_targets") {
                try Tensor.cat(zip(samples, zip(targets, metas)).map { sample, item in
                    let (target, meta) = item
                    if let outlines = target.maskOutlines {
                        return try PolygonMaskTargets.targets(
                            positiveBoxes: sample.positiveBoxes, gtIndices: sample.positiveGtIndices, outlines: outlines,
                            imageWidth: meta.width, imageHeight: meta.height, size: maskSize)
                    }
                    guard let masks = target.masks else {
                        throw TorchError("Mask R-CNN training needs ground-truth masks for every image")
                    }
                    return try FCNMaskHead.targets(
                        positiveBoxes: sample.positiveBoxes, gtIndices: sample.positiveGtIndices, gtMasks: masks,
                        size: maskSize)
                })
            }
            let positiveLabels = try Tensor.cat(samples.map(\.positiveLabels))
            terms.losses["loss_mask"] = try StageProfiler.measure("roi.mask_loss") {
                try maskHead.loss(logits: logits, targets: maskTargets, labels: positiveLabels)
            }
        }
        return (terms.losses, terms.metrics)
    }

    /// The box head's loss terms over one step's sampled RoIs: its first pass, then every long-tail
    /// component's rows, then the loss of each pass (one for this head).
    public func boxHeadLoss(_ rois: SampledRoIs, context: TrainingStepContext) throws -> LossTerms {
        let first = try StageProfiler.measure("roi.box_head") { try bboxHead(rois.roiFeatures) }
        let extraRows = try longTailComponents.compactMap {
            try $0.extraRows(for: rois, shared: first.sharedFeatures, context: context)
        }
        let extra = try bboxHead.predictions(for: extraRows)
        return try StageProfiler.measure("roi.box_loss") {
            try boxLoss(first: first, rois: rois, extra: extra, context: context)
        }
    }

    /// The box head's loss terms given its first pass over the sampled RoIs (the iterative head overrides it).
    func boxLoss(first: BoxHeadOutput, rois: SampledRoIs, extra: ExtraRowPredictions?, context: TrainingStepContext)
        throws -> LossTerms
    {
        try bboxHead.loss(first, rois: rois, extra: extra, context: context)
    }

    /// Test-time logits and deltas of pooled RoI features (the iterative head returns its last pass).
    public func boxPredictions(_ roiFeatures: Tensor) throws -> (logits: Tensor, deltas: Tensor) {
        let output = try bboxHead(roiFeatures)
        return (output.logits, output.deltas)
    }

    /// The record of one step's samples: RoIs, pooled features, labels, targets, instance ids.
    func sampledRoIs(_ samples: [SamplingResult], levels: [Tensor], targets: [DetectionTargets], metas: [ImageMeta])
        throws -> SampledRoIs
    {
        let device = levels[0].device
        let rois = try makeRoIs(samples.map { try $0.boxes() })
        let background = Double(bboxHead.numClasses)
        var labels: [Tensor] = [], deltas: [Tensor] = [], ids: [Tensor] = [], images: [Tensor] = []
        var groundTruth: [Tensor] = []
        var instanceOffset = 0
        for (i, (sample, target)) in zip(samples, targets).enumerated() {
            let p = sample.numPositives, q = sample.numNegatives
            labels.append(try Tensor.cat([sample.positiveLabels, Tensor.full([q], background, dtype: .int64, device: device)]))
            deltas.append(try Tensor.cat([
                coder.encode(proposals: sample.positiveBoxes, targets: sample.positiveGtBoxes),
                Tensor.zeros([q, 4], device: device),
            ]))
            ids.append(try Tensor.cat([
                sample.positiveGtIndices.to(.int64) + Tensor(scalar: Double(instanceOffset), dtype: .int64),
                Tensor.full([q], Double(ClassificationLossInput.notObserved), dtype: .int64, device: device),
            ]))
            images.append(try Tensor.full([p + q], Double(i), dtype: .int64, device: device))
            // With ground truths prepended as proposals, candidate indices below their count are those boxes.
            let prepended = sampler.addGtAsProposals ? target.count : 0
            groundTruth.append(try Tensor.cat([
                sample.positiveIndices.lt(Double(prepended)),
                sample.negativeIndices.lt(Double(prepended)),
            ]))
            instanceOffset += target.count
        }
        return SampledRoIs(
            rois: rois, roiFeatures: try StageProfiler.measure("roi.box_roialign") { try boxPooler(levels, rois: rois) },
            labels: try Tensor.cat(labels),
            boxTargets: try Tensor.cat(deltas), instanceIDs: try Tensor.cat(ids), imageIndices: try Tensor.cat(images),
            isGroundTruth: try Tensor.cat(groundTruth), targets: targets, metas: metas, featureMaps: levels)
    }

    /// Detections per image in original pixels.
    public func predict(
        features: [Tensor], proposals: [Proposals], metas: [ImageMeta], config: RCNNTestConfig
    ) throws -> [Detections] {
        let levels = Array(features.prefix(4))
        let rois = try makeRoIs(proposals.map(\.boxes))
        let pooled = try StageProfiler.measure("roi.box_roialign") { try boxPooler(levels, rois: rois) }
        let output = try StageProfiler.measure("roi.box_head") { try boxPredictions(pooled) }
        let scores = try bboxHead.classificationLoss.scores(output.logits)
        let counts = proposals.map { $0.boxes.size(0) }
        let perImageScores = try scores.split(sizes: counts)
        let perImageDeltas = try output.deltas.split(sizes: counts)
        let c = bboxHead.numClasses
        return try metas.indices.map { i in
            let meta = metas[i]
            var detections = try StageProfiler.measure("roi.box_postprocess (nms)") {
                let decoded = try coder.decode(boxes: proposals[i].boxes, deltas: perImageDeltas[i], maxShape: meta.inputSize)
                let original = try Boxes(decoded.reshape(-1, 4)).scaled(x: 1 / meta.scaleFactor.x, y: 1 / meta.scaleFactor.y)
                    .tensor.reshape(-1, c, 4)
                return try Self.multiclassNMS(
                    boxes: original, scores: perImageScores[i].slice(dim: 1, end: c), config: config)
            }
            if let maskHead {
                detections.masks = try predictMasks(
                    maskHead, features: levels, imageIndex: i, detections: detections, meta: meta, threshold: config.maskThreshold)
            }
            if meta.flipped {
                detections.boxes = try Boxes(detections.boxes).flippedHorizontally(width: meta.originalSize.width).tensor
            }
            return detections
        }
    }

    /// mmdet's `multiclass_nms`: every (RoI, class) pair scoring above `score_thr` is a candidate with that class's
    /// box; NMS within each class; the best `max_per_img` kept, by descending score. `boxes` N x C x 4,
    /// `scores` N x C (background column dropped).
    public static func multiclassNMS(boxes: Tensor, scores: Tensor, config: RCNNTestConfig) throws -> Detections {
        let c = scores.size(1)
        let candidates = try scores.gt(config.scoreThreshold).nonzero()
        let roi = try candidates.select(dim: 1, index: 0)
        let label = try candidates.select(dim: 1, index: 1)
        let flat = try roi * Tensor(scalar: Double(c), dtype: .int64) + label
        let kept = try boxes.reshape(-1, 4).index(flat)
        let score = try scores.reshape(-1).index(flat)
        let keep = try DetectionOps.batchedNMS(boxes: kept, scores: score, classes: label, iouThreshold: config.iouThreshold)
            .slice(dim: 0, end: config.maxPerImage)
        return Detections(boxes: try kept.index(keep), scores: try score.index(keep), labels: try label.index(keep))
    }

    /// Masks of the detections (boxes in original pixels of the possibly flipped image), pasted unflipped.
    private func predictMasks(
        _ maskHead: FCNMaskHead, features: [Tensor], imageIndex: Int, detections: Detections, meta: ImageMeta,
        threshold: Double
    ) throws -> Tensor {
        let (h, w) = meta.originalSize
        let k = detections.count
        if k == 0 { return try Tensor.zeros([0, h, w], dtype: .uint8) }
        let inputBoxes = try Boxes(detections.boxes).scaled(x: meta.scaleFactor.x, y: meta.scaleFactor.y).tensor
        let rois = try Tensor.cat([Tensor.full([k, 1], Double(imageIndex), device: inputBoxes.device), inputBoxes], dim: 1)
        let pooled = try StageProfiler.measure("roi.mask_roialign") { try maskPooler(features, rois: rois) }
        let logits = try StageProfiler.measure("roi.mask_head") { try maskHead(pooled) }
        let rows = try Tensor.arange(k, device: logits.device) * Tensor(scalar: Double(maskHead.numClasses), dtype: .int64)
            + detections.labels
        var probabilities = try logits.reshape(k * maskHead.numClasses, maskSize, maskSize).index(rows).sigmoid()
        var boxes = detections.boxes
        if meta.flipped {
            probabilities = try probabilities.flip([2])
            boxes = try Boxes(boxes).flippedHorizontally(width: w).tensor
        }
        return try StageProfiler.measure("roi.mask_paste") {
            try pasteMasks(probabilities, boxes: boxes, height: h, width: w, threshold: threshold)
        }
    }
}
