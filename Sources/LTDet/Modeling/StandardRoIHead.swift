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

public final class StandardRoIHead: Module {
    public let bboxHead: Shared2FCBoxHead
    public let maskHead: FCNMaskHead?
    public let boxPooler: MultiLevelRoIAlign
    public let maskPooler: MultiLevelRoIAlign
    public let coder: DeltaXYWHBoxCoder
    public let assigner: MaxIoUAssigner
    public let sampler: RandomSampler
    public let maskSize: Int

    public init(
        bboxHead: Shared2FCBoxHead, maskHead: FCNMaskHead?, boxPooler: MultiLevelRoIAlign,
        maskPooler: MultiLevelRoIAlign, coder: DeltaXYWHBoxCoder, assigner: MaxIoUAssigner, sampler: RandomSampler,
        maskSize: Int = 28
    ) {
        self.bboxHead = bboxHead
        self.maskHead = maskHead
        self.boxPooler = boxPooler
        self.maskPooler = maskPooler
        self.coder = coder
        self.assigner = assigner
        self.sampler = sampler
        self.maskSize = maskSize
    }

    /// Losses of the box and mask heads. `extraRows` sees the sampled RoIs' box-head output and labels and
    /// may return rows to add to the classification loss (memory replay).
    public func loss(
        features: [Tensor], proposals: [Proposals], targets: [DetectionTargets], generator: Generator, epoch: Int,
        extraRows: ((BoxHeadOutput, Tensor) throws -> ExtraClassificationRows?)? = nil
    ) throws -> (losses: [String: Tensor], metrics: [String: Double]) {
        let device = features[0].device
        let samples = try zip(proposals, targets).map { p, t in
            try sampler.sample(
                boxes: p.boxes, gtBoxes: t.boxes.to(device), gtLabels: t.labels.to(device), assigner: assigner,
                generator: generator)
        }
        let rois = try makeRoIs(samples.map { try $0.boxes() })
        let output = try bboxHead(boxPooler(Array(features.prefix(4)), rois: rois))
        let background = Double(bboxHead.numClasses)
        let labels = try Tensor.cat(samples.map {
            try Tensor.cat([$0.positiveLabels, Tensor.full([$0.numNegatives], background, dtype: .int64, device: device)])
        })
        let deltas = try Tensor.cat(samples.map {
            try Tensor.cat([
                coder.encode(proposals: $0.positiveBoxes, targets: $0.positiveGtBoxes),
                Tensor.zeros([$0.numNegatives, 4], device: device),
            ])
        })
        let extra = try extraRows?(output, labels)
        var terms = try bboxHead.loss(output, targets: BoxTargets(labels: labels, deltas: deltas), extraRows: extra, epoch: epoch)
        let numPositives = samples.reduce(0) { $0 + $1.numPositives }
        terms.metrics["num_pos_rois"] = Double(numPositives)

        if let maskHead {
            let positiveRoIs = try makeRoIs(samples.map(\.positiveBoxes))
            let logits = try maskHead(maskPooler(Array(features.prefix(4)), rois: positiveRoIs))
            let maskTargets = try Tensor.cat(zip(samples, targets).map { sample, target in
                guard let masks = target.masks else {
                    throw TorchError("Mask R-CNN training needs ground-truth masks for every image")
                }
                return try FCNMaskHead.targets(
                    positiveBoxes: sample.positiveBoxes, gtIndices: sample.positiveGtIndices, gtMasks: masks, size: maskSize)
            })
            let positiveLabels = try Tensor.cat(samples.map(\.positiveLabels))
            terms.losses["loss_mask"] = try maskHead.loss(logits: logits, targets: maskTargets, labels: positiveLabels)
        }
        return (terms.losses, terms.metrics)
    }

    /// Detections per image in original pixels.
    public func predict(
        features: [Tensor], proposals: [Proposals], metas: [ImageMeta], config: RCNNTestConfig
    ) throws -> [Detections] {
        let levels = Array(features.prefix(4))
        let rois = try makeRoIs(proposals.map(\.boxes))
        let output = try bboxHead(boxPooler(levels, rois: rois))
        let scores = try bboxHead.classificationLoss.scores(output.logits)
        let counts = proposals.map { $0.boxes.size(0) }
        let perImageScores = try scores.split(sizes: counts)
        let perImageDeltas = try output.deltas.split(sizes: counts)
        let c = bboxHead.numClasses
        return try metas.indices.map { i in
            let meta = metas[i]
            let decoded = try coder.decode(boxes: proposals[i].boxes, deltas: perImageDeltas[i], maxShape: meta.inputSize)
            let original = try Boxes(decoded.reshape(-1, 4)).scaled(x: 1 / meta.scaleFactor.x, y: 1 / meta.scaleFactor.y)
                .tensor.reshape(-1, c, 4)
            let classScores = try perImageScores[i].slice(dim: 1, end: c)
            let candidates = try classScores.gt(config.scoreThreshold).nonzero()
            let roi = try candidates.select(dim: 1, index: 0)
            let label = try candidates.select(dim: 1, index: 1)
            let flat = try roi * Tensor(scalar: Double(c), dtype: .int64) + label
            let boxes = try original.reshape(-1, 4).index(flat)
            let score = try classScores.reshape(-1).index(flat)
            let keep = try DetectionOps.batchedNMS(boxes: boxes, scores: score, classes: label, iouThreshold: config.iouThreshold)
                .slice(dim: 0, end: config.maxPerImage)
            var detections = Detections(boxes: try boxes.index(keep), scores: try score.index(keep), labels: try label.index(keep))
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
        let logits = try maskHead(maskPooler(features, rois: rois))
        let rows = try Tensor.arange(k, device: logits.device) * Tensor(scalar: Double(maskHead.numClasses), dtype: .int64)
            + detections.labels
        var probabilities = try logits.reshape(k * maskHead.numClasses, maskSize, maskSize).index(rows).sigmoid()
        var boxes = detections.boxes
        if meta.flipped {
            probabilities = try probabilities.flip([2])
            boxes = try Boxes(boxes).flippedHorizontally(width: w).tensor
        }
        return try pasteMasks(probabilities, boxes: boxes, height: h, width: w, threshold: threshold)
    }
}
