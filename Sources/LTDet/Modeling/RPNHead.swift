import Torch

// Region proposal network head (mmdet `RPNHead`): a shared 3x3 conv + ReLU, then per anchor one sigmoid
// objectness logit and four box deltas.
// Input: P2..P6 (N x C x H_l x W_l). Output: objectness N x A x H_l x W_l and deltas N x 4A x H_l x W_l per
// level; from these, `loss` (against the ground truth) and `proposals` (per image, K x 4 in input pixels).

/// How proposals are made from the RPN outputs (mmdet `rpn_proposal` in training, `rpn` at test).
public struct ProposalConfig: Codable, Sendable, Equatable {
    /// Candidates kept per level, by objectness, before NMS.
    public var nmsPre: Int
    /// Proposals kept per image after NMS.
    public var maxPerImage: Int
    public var iouThreshold: Double
    /// Boxes whose width or height is not above this are dropped; a negative value keeps every box. mmdet from
    /// 2.1x (PCB's 2.16, the upstream LVIS and Seesaw configs) filters at `min_bbox_size: 0`, dropping degenerate
    /// boxes; eqlv2's mmdet 2.3 and LOCE's 2.8 skip the filter at 0, which is -1 here (their configs set it).
    public var minBoxSize: Double

    enum CodingKeys: String, CodingKey {
        case nmsPre = "nms_pre", maxPerImage = "max_per_img", iouThreshold = "iou_threshold"
        case minBoxSize = "min_bbox_size"
    }

    public init(nmsPre: Int, maxPerImage: Int, iouThreshold: Double = 0.7, minBoxSize: Double = 0) {
        self.nmsPre = nmsPre
        self.maxPerImage = maxPerImage
        self.iouThreshold = iouThreshold
        self.minBoxSize = minBoxSize
    }
}

/// Proposals of one image, by descending objectness.
public struct Proposals {
    /// K x 4 boxes in input pixels (no gradient).
    public var boxes: Tensor
    /// K objectness probabilities.
    public var scores: Tensor
}

public final class RPNHead: Module {
    public let rpnConv: Conv2d
    public let rpnCls: Conv2d
    public let rpnReg: Conv2d
    public let anchorGenerator: AnchorGenerator
    public let coder: DeltaXYWHBoxCoder
    public let assigner: MaxIoUAssigner
    public let sampler: RandomSampler

    public struct Output {
        public var objectness: [Tensor]
        public var deltas: [Tensor]
    }

    public init(
        inChannels: Int, featChannels: Int, anchorGenerator: AnchorGenerator, coder: DeltaXYWHBoxCoder,
        assigner: MaxIoUAssigner, sampler: RandomSampler
    ) throws {
        let a = anchorGenerator.anchorsPerLocation
        rpnConv = try Conv2d(inChannels, featChannels, kernelSize: 3, padding: 1)
        rpnCls = try Conv2d(featChannels, a, kernelSize: 1)
        rpnReg = try Conv2d(featChannels, 4 * a, kernelSize: 1)
        self.anchorGenerator = anchorGenerator
        self.coder = coder
        self.assigner = assigner
        self.sampler = sampler
        super.init()
        // mmdet: every RPN conv N(0, 0.01), bias 0.
        for conv in [rpnConv, rpnCls, rpnReg] {
            try Init.normal(conv.weight, std: 0.01)
            if let b = conv.bias { try Init.constant(b.wrappedValue, 0) }
        }
    }

    public func callAsFunction(_ features: [Tensor]) throws -> Output {
        var objectness: [Tensor] = []
        var deltas: [Tensor] = []
        for f in features {
            let x = try rpnConv(f).relu_()
            objectness.append(try rpnCls(x))
            deltas.append(try rpnReg(x))
        }
        return Output(objectness: objectness, deltas: deltas)
    }

    /// N x (all anchors) logits and N x (all anchors) x 4 deltas, in anchor order, in float32.
    private func flatten(_ output: Output) throws -> (Tensor, Tensor) {
        let n = output.objectness[0].size(0)
        let logits = try Tensor.cat(output.objectness.map { try $0.permute(0, 2, 3, 1).reshape(n, -1) }, dim: 1)
            .fullPrecision()
        let deltas = try Tensor.cat(output.deltas.map { try $0.permute(0, 2, 3, 1).reshape(n, -1, 4) }, dim: 1)
            .fullPrecision()
        return (logits, deltas)
    }

    private func featureSizes(_ output: Output) -> [(height: Int, width: Int)] {
        output.objectness.map { ($0.size(2), $0.size(3)) }
    }

    /// `loss_rpn_cls` (sigmoid BCE) and `loss_rpn_bbox` (L1 on positives), both summed over the sampled
    /// anchors of the batch and divided by their number, as mmdet. In float32 under mixed precision (mmdet's
    /// `@force_fp32` on `AnchorHead.loss`).
    public func loss(
        _ output: Output, metas: [ImageMeta], targets: [DetectionTargets], generator: Generator
    ) throws -> [String: Tensor] {
        try Autocast.disabled { try fullPrecisionLoss(output, metas: metas, targets: targets, generator: generator) }
    }

    private func fullPrecisionLoss(
        _ output: Output, metas: [ImageMeta], targets: [DetectionTargets], generator: Generator
    ) throws -> [String: Tensor] {
        let (logits, deltas) = try flatten(output)
        let device = logits.device
        let sizes = featureSizes(output)
        let anchors = try StageProfiler.measure("rpn.anchors") {
            try Tensor.cat(anchorGenerator.anchors(featureSizes: sizes, device: device), dim: 0)
        }
        var sampledLogits: [Tensor] = []
        var sampledLabels: [Tensor] = []
        var positiveDeltas: [Tensor] = []
        var positiveTargets: [Tensor] = []
        var numSamples = 0
        for (i, (meta, target)) in zip(metas, targets).enumerated() {
            try StageProfiler.measure("rpn.assign+sample") {
                let valid = try Tensor.cat(
                    anchorGenerator.validFlags(featureSizes: sizes, validSize: meta.paddedSize(), device: device), dim: 0)
                let validIndices = try valid.nonzero().reshape(-1)
                let sample = try sampler.sample(
                    boxes: anchors.index(validIndices), gtBoxes: target.boxes.to(device), gtLabels: target.labels.to(device),
                    assigner: assigner, generator: generator)
                let pos = try validIndices.index(sample.positiveIndices)
                let neg = try validIndices.index(sample.negativeIndices)
                let imageLogits = try logits[i]
                sampledLogits += [try imageLogits.index(pos), try imageLogits.index(neg)]
                sampledLabels += [try Tensor.ones([pos.size(0)], device: device), try Tensor.zeros([neg.size(0)], device: device)]
                positiveDeltas.append(try deltas[i].index(pos))
                positiveTargets.append(try coder.encode(proposals: sample.positiveBoxes, targets: sample.positiveGtBoxes))
                numSamples += pos.size(0) + neg.size(0)
            }
        }
        return try StageProfiler.measure("rpn.loss") {
            let normaliser = Double(max(numSamples, 1))
            let cls = try Functional.binaryCrossEntropyWithLogits(
                Tensor.cat(sampledLogits), Tensor.cat(sampledLabels), reduction: .sum) / normaliser
            let bbox = try Functional.l1Loss(Tensor.cat(positiveDeltas), Tensor.cat(positiveTargets), reduction: .sum)
                / normaliser
            return ["loss_rpn_cls": cls, "loss_rpn_bbox": bbox]
        }
    }

    /// Per image: the top `nmsPre` anchors of each level by objectness, decoded and clipped to the input,
    /// boxes not larger than `minBoxSize` dropped (unless it is negative), NMS within each level, the best `maxPerImage` kept.
    /// Scores and boxes in float32 whatever the forward pass's precision (mmdet's `@force_fp32` on `get_bboxes`).
    public func proposals(_ output: Output, metas: [ImageMeta], config: ProposalConfig) throws -> [Proposals] {
        try withNoGrad {
            let sizes = featureSizes(output)
            let device = output.objectness[0].device
            let levelAnchors = try anchorGenerator.anchors(featureSizes: sizes, device: device)
            return try metas.enumerated().map { i, meta in
                var boxes: [Tensor] = []
                var scores: [Tensor] = []
                var levels: [Tensor] = []
                for (level, anchors) in levelAnchors.enumerated() {
                    var s = try output.objectness[level][i].permute(1, 2, 0).reshape(-1).fullPrecision().sigmoid()
                    var d = try output.deltas[level][i].permute(1, 2, 0).reshape(-1, 4).fullPrecision()
                    var a = anchors
                    if s.size(0) > config.nmsPre {
                        let (ranked, order) = try s.sort(dim: 0, descending: true)
                        let top = try order.slice(dim: 0, end: config.nmsPre)
                        s = try ranked.slice(dim: 0, end: config.nmsPre)
                        d = try d.index(top)
                        a = try a.index(top)
                    }
                    boxes.append(try coder.decode(boxes: a, deltas: d, maxShape: meta.inputSize))
                    scores.append(s)
                    levels.append(try Tensor.full([s.size(0)], Double(level), dtype: .int64, device: device))
                }
                var b = try Tensor.cat(boxes)
                var s = try Tensor.cat(scores)
                var l = try Tensor.cat(levels)
                if config.minBoxSize >= 0 {
                    let box = Boxes(b)
                    let keepSize = try box.widths().gt(config.minBoxSize).logicalAnd(box.heights().gt(config.minBoxSize))
                    if try keepSize.all().item() == 0 {
                        let kept = try keepSize.nonzero().reshape(-1)
                        (b, s, l) = (try b.index(kept), try s.index(kept), try l.index(kept))
                    }
                }
                let keep = try DetectionOps.batchedNMS(boxes: b, scores: s, classes: l, iouThreshold: config.iouThreshold)
                    .slice(dim: 0, end: config.maxPerImage)
                return Proposals(boxes: try b.index(keep), scores: try s.index(keep))
            }
        }
    }
}
