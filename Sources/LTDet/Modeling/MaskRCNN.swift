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
    /// `StandardRoIHead` or, by `model.roi_head.type`, PCB's `IterativeRoIHead`.
    public let roiHead: StandardRoIHead
    public let config: MaskRCNNConfig
    /// Draws the RPN and RoI samples; its state belongs in checkpoints for an exact resume.
    public let samplingGenerator: Generator
    /// Sums and gathers the long-tail methods' statistics across processes (single process: identity).
    public var collectives: ProcessCollectives = .singleProcess {
        // The classification loss keeps its own state (EQL v2 sums, PCB confusion, EBL tracker): hand it on.
        didSet { for state in synchronizedStates(in: classificationLoss) { state.collectives = collectives } }
    }
    /// BatchNorm layers whose parameters a fine-tuning stage froze (`ParameterSelection`): kept in evaluation
    /// mode while training so that their statistics stay frozen with them.
    var frozenNormalization = ModuleSet(modules: [])

    public var classificationLoss: any ClassificationLoss { roiHead.bboxHead.classificationLoss }

    /// Builds the model; the initial weights are a function of `seed` alone (see `Runtime.withSeededDefaultGenerator`).
    /// The classification loss is the config's (`roi_head.bbox_head.loss_cls` with `pcb`) unless one is given.
    public init(config: MaskRCNNConfig, classificationLoss: (any ClassificationLoss)? = nil, seed: UInt64 = 0) throws {
        let loss = try classificationLoss
            ?? config.roiHead.bboxHead.makeClassificationLoss(numClasses: config.numClasses)
        guard loss.numClasses == config.numClasses else {
            throw TorchError("MaskRCNN: the classification loss has \(loss.numClasses) classes, the config \(config.numClasses)")
        }
        let parts = try Runtime.withSeededDefaultGenerator(seed) { try Self.makeParts(config: config, loss: loss) }
        backbone = parts.backbone
        neck = parts.neck
        rpnHead = parts.rpnHead
        roiHead = parts.roiHead
        self.config = config
        samplingGenerator = try Generator(seed: seed)
    }

    private static func makeParts(config: MaskRCNNConfig, loss: any ClassificationLoss) throws
        -> (backbone: ResNet, neck: FPN, rpnHead: RPNHead, roiHead: StandardRoIHead)
    {
        let b = config.backbone
        let backbone = try ResNet(
            depth: b.depth, norm: b.norm, normEval: b.normEval, frozenStages: b.frozenStages, groups: b.groups,
            baseWidth: b.baseWidth)
        let neck = try FPN(inChannels: backbone.outChannels, outChannels: config.neck.outChannels)
        let r = config.rpnHead
        let rpnHead = try RPNHead(
            inChannels: config.neck.outChannels, featChannels: r.featChannels,
            anchorGenerator: AnchorGenerator(
                strides: r.anchorGenerator.strides, scales: r.anchorGenerator.scales, ratios: r.anchorGenerator.ratios),
            coder: DeltaXYWHBoxCoder(stds: r.targetStds), assigner: config.trainCfg.rpn.assigner.assigner,
            sampler: config.trainCfg.rpn.sampler.sampler)
        let roiHead = try RoIHeadFactory.make(
            config: config, classificationLoss: loss, inChannels: config.neck.outChannels,
            roiStrides: Array(r.anchorGenerator.strides.prefix(4)))
        return (backbone, neck, rpnHead, roiHead)
    }

    /// P2..P6.
    public func features(_ images: Tensor) throws -> [Tensor] {
        let stages = try StageProfiler.measure("backbone") { try backbone(images) }
        return try StageProfiler.measure("fpn") { try neck(stages) }
    }

    /// The context of a training step at this position: the model's sampling generator and collectives.
    public func stepContext(iteration: Int = 0, epoch: Int = 1) -> TrainingStepContext {
        TrainingStepContext(iteration: iteration, epoch: epoch, generator: samplingGenerator, collectives: collectives)
    }

    /// The training losses of one batch (call in training mode).
    public func loss(images: Tensor, metas: [ImageMeta], targets: [DetectionTargets], context: TrainingStepContext) throws
        -> (losses: [String: Tensor], metrics: [String: Double])
    {
        guard metas.count == images.size(0), targets.count == images.size(0) else {
            throw TorchError("MaskRCNN.loss: \(images.size(0)) images, \(metas.count) metas, \(targets.count) targets")
        }
        for m in frozenNormalization.modules where m.isTraining { m.eval() }
        let features = try features(images)
        let rpnOutput = try StageProfiler.measure("rpn.head") { try rpnHead(features) }
        var losses = try rpnHead.loss(rpnOutput, metas: metas, targets: targets, generator: context.generator)
        let proposals = try StageProfiler.measure("rpn.proposals") {
            try rpnHead.proposals(rpnOutput, metas: metas, config: config.trainCfg.rpnProposal)
        }
        let second = try roiHead.loss(
            features: features, proposals: proposals, targets: targets, metas: metas, context: context)
        losses.merge(second.losses) { a, _ in a }
        return (losses, second.metrics)
    }

    /// Detections per image (call in evaluation mode; runs without autograd).
    public func predict(images: Tensor, metas: [ImageMeta]) throws -> [Detections] {
        try withNoGrad {
            let features = try features(images)
            let rpnOutput = try StageProfiler.measure("rpn.head") { try rpnHead(features) }
            let proposals = try StageProfiler.measure("rpn.proposals") {
                try rpnHead.proposals(rpnOutput, metas: metas, config: config.testCfg.rpn)
            }
            return try roiHead.predict(features: features, proposals: proposals, metas: metas, config: config.testCfg.rcnn)
        }
    }
}
