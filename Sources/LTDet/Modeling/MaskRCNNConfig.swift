// The architecture and the train/test settings of Mask R-CNN, decoded from YAML/JSON with mmdet's names
// (`model.backbone.depth`, `train_cfg.rpn.assigner.pos_iou_thr`, `test_cfg.rcnn.score_thr`, ...).

public struct MaskRCNNConfig: Codable, Sendable, Equatable {
    public var numClasses: Int
    public var backbone: Backbone
    public var neck: Neck
    public var rpnHead: RPNHeadConfig
    public var roiHead: RoIHeadConfig
    public var trainCfg: TrainConfig
    public var testCfg: TestConfig

    enum CodingKeys: String, CodingKey {
        case numClasses = "num_classes", backbone, neck, rpnHead = "rpn_head", roiHead = "roi_head"
        case trainCfg = "train_cfg", testCfg = "test_cfg"
    }

    public struct Backbone: Codable, Sendable, Equatable {
        public var depth: Int
        public var frozenStages: Int
        public var norm: NormKind
        public var normEval: Bool
        /// ResNeXt's cardinality and width per group (mmdet's ResNeXt `groups`, `base_width`); 1 and 64 are ResNet.
        public var groups = 1
        public var baseWidth = 64
        enum CodingKeys: String, CodingKey {
            case depth, frozenStages = "frozen_stages", norm, normEval = "norm_eval", groups, baseWidth = "base_width"
        }
    }

    public struct Neck: Codable, Sendable, Equatable {
        public var outChannels: Int
        enum CodingKeys: String, CodingKey { case outChannels = "out_channels" }
    }

    public struct AnchorGeneratorConfig: Codable, Sendable, Equatable {
        public var scales: [Double]
        public var ratios: [Double]
        public var strides: [Int]
    }

    public struct RPNHeadConfig: Codable, Sendable, Equatable {
        public var featChannels: Int
        public var anchorGenerator: AnchorGeneratorConfig
        public var targetStds: [Double]
        enum CodingKeys: String, CodingKey {
            case featChannels = "feat_channels", anchorGenerator = "anchor_generator", targetStds = "target_stds"
        }
    }

    public struct BoxHeadConfig: Codable, Sendable, Equatable {
        /// `Shared2FCBBoxHead` (nil), the only box head so far; the classifier layer follows the loss.
        public var type: String?
        public var roiFeatSize: Int
        public var fcOutChannels: Int
        public var targetStds: [Double]
        /// The classification loss (`type: CrossEntropyLoss | SeesawLoss | EQLv2 | EquilibriumLoss`); nil is
        /// softmax cross-entropy.
        public var lossCls: ClassificationLossConfig?
        /// Pairwise class balance on top of the loss (`alpha`, `momentum`, `start_epoch`).
        public var pcb: PCBConfig?
        /// Replaces the loss's classifier layer: `{type: CosineSimilarityLinear, temperature: 48}` (RIO).
        public var clsPredictorCfg: PredictorConfig?
        enum CodingKeys: String, CodingKey {
            case type, roiFeatSize = "roi_feat_size", fcOutChannels = "fc_out_channels", targetStds = "target_stds"
            case lossCls = "loss_cls", pcb, clsPredictorCfg = "cls_predictor_cfg"
        }

        public init(
            roiFeatSize: Int, fcOutChannels: Int, targetStds: [Double], lossCls: ClassificationLossConfig? = nil,
            pcb: PCBConfig? = nil
        ) {
            self.roiFeatSize = roiFeatSize
            self.fcOutChannels = fcOutChannels
            self.targetStds = targetStds
            self.lossCls = lossCls
            self.pcb = pcb
        }

        /// The loss the box head trains with: `loss_cls` (softmax cross-entropy when absent) with `pcb` (kept
        /// beside it in the YAML, as PCB's configs do).
        public func makeClassificationLoss(numClasses: Int) throws -> any ClassificationLoss {
            try ClassificationLossFactory.make(lossCls ?? .crossEntropy(CrossEntropyLossConfig()), pcb: pcb, numClasses: numClasses)
        }
    }

    public struct MaskHeadConfig: Codable, Sendable, Equatable {
        public var roiFeatSize: Int
        public var numConvs: Int
        public var convOutChannels: Int
        /// The 1x1 logits layer (mmdet `predictor_cfg`): nil or `Conv2d` is a plain convolution, `NormedConv2d`
        /// Seesaw's "normed mask" predictor.
        public var predictorCfg: PredictorConfig?
        enum CodingKeys: String, CodingKey {
            case roiFeatSize = "roi_feat_size", numConvs = "num_convs", convOutChannels = "conv_out_channels"
            case predictorCfg = "predictor_cfg"
        }

        public init(roiFeatSize: Int, numConvs: Int, convOutChannels: Int, predictorCfg: PredictorConfig? = nil) {
            self.roiFeatSize = roiFeatSize
            self.numConvs = numConvs
            self.convOutChannels = convOutChannels
            self.predictorCfg = predictorCfg
        }
    }

    public struct RoIHeadConfig: Codable, Sendable, Equatable {
        /// `StandardRoIHead` (nil) or PCB's `IterativeRoIHead`.
        public var type: String?
        public var finestScale: Double
        public var bboxHead: BoxHeadConfig
        /// nil builds a box-only Faster R-CNN.
        public var maskHead: MaskHeadConfig?
        /// IterativeRoIHead: passes of the shared box head, the loss weight of each pass, the pass whose box
        /// regression loss is kept (unweighted; -1 keeps the weighted sum), and LayerNorm before the
        /// classification MLP (PCB's names: `n_iter`, `iter_loss_weight`, `reg_iter`, `use_layer_norm`).
        public var nIter: Int?
        public var iterLossWeight: [Double]?
        public var regIter: Int?
        public var useLayerNorm: Bool?
        /// Long-tail components that observe each step's sampled RoIs and may add rows to the box head's
        /// losses (memory replay, feature sampling), each chosen by `type` (docs/developer/long-tail-seam.md).
        public var longTail: [LongTailComponentConfig]?
        enum CodingKeys: String, CodingKey {
            case type, finestScale = "finest_scale", bboxHead = "bbox_head", maskHead = "mask_head"
            case nIter = "n_iter", iterLossWeight = "iter_loss_weight", regIter = "reg_iter"
            case useLayerNorm = "use_layer_norm", longTail = "long_tail"
        }

        public init(
            type: String? = nil, finestScale: Double, bboxHead: BoxHeadConfig, maskHead: MaskHeadConfig?,
            nIter: Int? = nil, iterLossWeight: [Double]? = nil, regIter: Int? = nil, useLayerNorm: Bool? = nil,
            longTail: [LongTailComponentConfig]? = nil
        ) {
            self.type = type
            self.finestScale = finestScale
            self.bboxHead = bboxHead
            self.maskHead = maskHead
            self.nIter = nIter
            self.iterLossWeight = iterLossWeight
            self.regIter = regIter
            self.useLayerNorm = useLayerNorm
            self.longTail = longTail
        }
    }

    /// mmdet's `predictor_cfg` / `cls_predictor_cfg`: a layer type and, for the normalised layers, the
    /// temperature (mmdet spells the key `tempearture`; both spellings are read).
    public struct PredictorConfig: Codable, Sendable, Equatable {
        public var type: String
        public var tempearture: Double?
        public var temperature: Double?

        public init(type: String, temperature: Double? = nil) {
            self.type = type
            self.temperature = temperature
        }

        /// The temperature of a normalised layer (20 unless given).
        public var resolvedTemperature: Double { temperature ?? tempearture ?? 20 }
    }

    public struct AssignerConfig: Codable, Sendable, Equatable {
        public var posIoUThr: Double
        public var negIoUThr: Double
        public var minPosIoU: Double
        public var matchLowQuality: Bool
        enum CodingKeys: String, CodingKey {
            case posIoUThr = "pos_iou_thr", negIoUThr = "neg_iou_thr", minPosIoU = "min_pos_iou"
            case matchLowQuality = "match_low_quality"
        }
        var assigner: MaxIoUAssigner {
            MaxIoUAssigner(
                posIoUThreshold: posIoUThr, negIoUThreshold: negIoUThr, minPosIoU: minPosIoU,
                matchLowQuality: matchLowQuality)
        }
    }

    public struct SamplerConfig: Codable, Sendable, Equatable {
        public var num: Int
        public var posFraction: Double
        public var addGtAsProposals: Bool
        enum CodingKeys: String, CodingKey {
            case num, posFraction = "pos_fraction", addGtAsProposals = "add_gt_as_proposals"
        }
        var sampler: RandomSampler {
            RandomSampler(num: num, positiveFraction: posFraction, addGtAsProposals: addGtAsProposals)
        }
    }

    public struct StageTrainConfig: Codable, Sendable, Equatable {
        public var assigner: AssignerConfig
        public var sampler: SamplerConfig
    }

    public struct TrainConfig: Codable, Sendable, Equatable {
        public var rpn: StageTrainConfig
        public var rpnProposal: ProposalConfig
        public var rcnn: StageTrainConfig
        public var maskSize: Int
        enum CodingKeys: String, CodingKey { case rpn, rpnProposal = "rpn_proposal", rcnn, maskSize = "mask_size" }
    }

    public struct TestConfig: Codable, Sendable, Equatable {
        public var rpn: ProposalConfig
        public var rcnn: RCNNTestConfig
    }

    /// mmdet's `mask_rcnn_r50_fpn` as configured for LVIS (`mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v1`):
    /// BN with frozen statistics, stage 1 frozen, 256-channel FPN, 1024-wide FCs, 4-conv mask head;
    /// 256 anchors / 512 RoIs sampled per image; test score threshold 1e-4, NMS 0.5, 300 detections.
    public static func lvisBaseline(numClasses: Int = 1203, depth: Int = 50) -> MaskRCNNConfig {
        MaskRCNNConfig(
            numClasses: numClasses,
            backbone: Backbone(depth: depth, frozenStages: 1, norm: .batchNorm, normEval: true),
            neck: Neck(outChannels: 256),
            rpnHead: RPNHeadConfig(
                featChannels: 256,
                anchorGenerator: AnchorGeneratorConfig(scales: [8], ratios: [0.5, 1, 2], strides: [4, 8, 16, 32, 64]),
                targetStds: [1, 1, 1, 1]),
            roiHead: RoIHeadConfig(
                finestScale: 56,
                bboxHead: BoxHeadConfig(roiFeatSize: 7, fcOutChannels: 1024, targetStds: [0.1, 0.1, 0.2, 0.2]),
                maskHead: MaskHeadConfig(roiFeatSize: 14, numConvs: 4, convOutChannels: 256)),
            trainCfg: TrainConfig(
                rpn: StageTrainConfig(
                    assigner: AssignerConfig(posIoUThr: 0.7, negIoUThr: 0.3, minPosIoU: 0.3, matchLowQuality: true),
                    sampler: SamplerConfig(num: 256, posFraction: 0.5, addGtAsProposals: false)),
                rpnProposal: ProposalConfig(nmsPre: 2000, maxPerImage: 1000, iouThreshold: 0.7, minBoxSize: 0),
                rcnn: StageTrainConfig(
                    assigner: AssignerConfig(posIoUThr: 0.5, negIoUThr: 0.5, minPosIoU: 0.5, matchLowQuality: true),
                    sampler: SamplerConfig(num: 512, posFraction: 0.25, addGtAsProposals: true)),
                maskSize: 28),
            testCfg: TestConfig(
                rpn: ProposalConfig(nmsPre: 1000, maxPerImage: 1000, iouThreshold: 0.7, minBoxSize: 0),
                rcnn: RCNNTestConfig(scoreThreshold: 1e-4, iouThreshold: 0.5, maxPerImage: 300, maskThreshold: 0.5)))
    }

    /// A model that learns on 2 CPU cores in minutes at 128-192 px: ResNet-18 trained from scratch with
    /// BatchNorm (no pretrained weights to freeze), 64-channel FPN and heads, 256-wide FCs, a 2-conv mask
    /// head, anchor scale 4 (16-256 px anchors suit small images) and fewer proposals and RoIs.
    public static func demo(numClasses: Int) -> MaskRCNNConfig {
        var c = lvisBaseline(numClasses: numClasses, depth: 18)
        c.backbone = Backbone(depth: 18, frozenStages: -1, norm: .batchNorm, normEval: false)
        c.neck.outChannels = 64
        c.rpnHead.featChannels = 64
        c.rpnHead.anchorGenerator.scales = [4]
        c.roiHead.bboxHead.fcOutChannels = 256
        c.roiHead.maskHead = MaskHeadConfig(roiFeatSize: 14, numConvs: 2, convOutChannels: 64)
        c.trainCfg.rpn.sampler.num = 128
        c.trainCfg.rpnProposal = ProposalConfig(nmsPre: 600, maxPerImage: 200, iouThreshold: 0.7, minBoxSize: 0)
        c.trainCfg.rcnn.sampler.num = 64
        c.testCfg.rpn = ProposalConfig(nmsPre: 300, maxPerImage: 100, iouThreshold: 0.7, minBoxSize: 0)
        c.testCfg.rcnn.maxPerImage = 100
        return c
    }
}
