import Torch

// Mask R-CNN with a ResNet-FPN backbone (mmdet `MaskRCNN`, two-stage detector).
// Input: images N x 3 x H x W (normalised, padded to a multiple of 32), one `ImageMeta` per image, and in
// training one `DetectionTargets` per image. Output: training losses by mmdet's names (`loss_rpn_cls`,
// `loss_rpn_bbox`, `loss_cls` or the classification loss's own, `loss_bbox`, `loss_mask`) plus metrics;
// at test, `Detections` per image in original pixels.
// State-dict names follow mmdet (`backbone.layer1.0.conv1.weight`, `neck.lateral_convs.0.conv.weight`,
// `rpn_head.rpn_conv.weight`, `roi_head.bbox_head.fc_cls.weight`, `roi_head.mask_head.convs.0.conv.weight`).
public final class MaskRCNN: Module {
    public let backbone: ResNet
    public let neck: FPN
    public let rpnHead: RPNHead
    public let roiHead: StandardRoIHead
    public let config: MaskRCNNConfig
    /// Draws the RPN and RoI samples; its state belongs in checkpoints for an exact resume.
    public let samplingGenerator: Generator
    /// The memory-replay seam: sees each step's sampled RoIs (box-head output, labels) and may return extra
    /// rows for the classification loss.
    public var extraClassificationRows: ((BoxHeadOutput, Tensor) throws -> ExtraClassificationRows?)?

    public var classificationLoss: any ClassificationLoss { roiHead.bboxHead.classificationLoss }

    public init(config: MaskRCNNConfig, classificationLoss: (any ClassificationLoss)? = nil, seed: UInt64 = 0) throws {
        let loss = classificationLoss ?? SoftmaxCrossEntropyLoss(numClasses: config.numClasses)
        guard loss.numClasses == config.numClasses else {
            throw TorchError("MaskRCNN: the classification loss has \(loss.numClasses) classes, the config \(config.numClasses)")
        }
        let b = config.backbone
        backbone = try ResNet(depth: b.depth, norm: b.norm, normEval: b.normEval, frozenStages: b.frozenStages)
        neck = try FPN(inChannels: backbone.outChannels, outChannels: config.neck.outChannels)
        let r = config.rpnHead
        rpnHead = try RPNHead(
            inChannels: config.neck.outChannels, featChannels: r.featChannels,
            anchorGenerator: AnchorGenerator(
                strides: r.anchorGenerator.strides, scales: r.anchorGenerator.scales, ratios: r.anchorGenerator.ratios),
            coder: DeltaXYWHBoxCoder(stds: r.targetStds), assigner: config.trainCfg.rpn.assigner.assigner,
            sampler: config.trainCfg.rpn.sampler.sampler)
        let h = config.roiHead
        let bboxHead = try Shared2FCBoxHead(
            inChannels: config.neck.outChannels, roiSize: h.bboxHead.roiFeatSize, fcOutChannels: h.bboxHead.fcOutChannels,
            classificationLoss: loss)
        let maskHead = try h.maskHead.map {
            try FCNMaskHead(
                inChannels: config.neck.outChannels, numConvs: $0.numConvs, convOutChannels: $0.convOutChannels,
                numClasses: config.numClasses)
        }
        let roiStrides = Array(r.anchorGenerator.strides.prefix(4))
        roiHead = StandardRoIHead(
            bboxHead: bboxHead, maskHead: maskHead,
            boxPooler: MultiLevelRoIAlign(strides: roiStrides, outputSize: h.bboxHead.roiFeatSize, finestScale: h.finestScale),
            maskPooler: MultiLevelRoIAlign(strides: roiStrides, outputSize: h.maskHead?.roiFeatSize ?? 14, finestScale: h.finestScale),
            coder: DeltaXYWHBoxCoder(stds: h.bboxHead.targetStds), assigner: config.trainCfg.rcnn.assigner.assigner,
            sampler: config.trainCfg.rcnn.sampler.sampler, maskSize: config.trainCfg.maskSize)
        self.config = config
        samplingGenerator = try Generator(seed: seed)
    }

    /// P2..P6.
    public func features(_ images: Tensor) throws -> [Tensor] { try neck(backbone(images)) }

    /// The training losses of one batch (call in training mode).
    public func loss(images: Tensor, metas: [ImageMeta], targets: [DetectionTargets], epoch: Int) throws
        -> (losses: [String: Tensor], metrics: [String: Double])
    {
        guard metas.count == images.size(0), targets.count == images.size(0) else {
            throw TorchError("MaskRCNN.loss: \(images.size(0)) images, \(metas.count) metas, \(targets.count) targets")
        }
        let features = try features(images)
        let rpnOutput = try rpnHead(features)
        var losses = try rpnHead.loss(rpnOutput, metas: metas, targets: targets, generator: samplingGenerator)
        let proposals = try rpnHead.proposals(rpnOutput, metas: metas, config: config.trainCfg.rpnProposal)
        let second = try roiHead.loss(
            features: features, proposals: proposals, targets: targets, generator: samplingGenerator, epoch: epoch,
            extraRows: extraClassificationRows)
        losses.merge(second.losses) { a, _ in a }
        return (losses, second.metrics)
    }

    /// Detections per image (call in evaluation mode; runs without autograd).
    public func predict(images: Tensor, metas: [ImageMeta]) throws -> [Detections] {
        try withNoGrad {
            let features = try features(images)
            let proposals = try rpnHead.proposals(rpnHead(features), metas: metas, config: config.testCfg.rpn)
            return try roiHead.predict(features: features, proposals: proposals, metas: metas, config: config.testCfg.rcnn)
        }
    }
}
