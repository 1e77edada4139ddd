import Torch

/// Builds the second stage from `model.roi_head`: the RoI head variant by `type`, its box and mask heads,
/// poolers, assigner, sampler and long-tail components.
public enum RoIHeadFactory {
    public static let types = ["StandardRoIHead", "IterativeRoIHead"]

    public static func make(
        config: MaskRCNNConfig, classificationLoss: any ClassificationLoss, inChannels: Int, roiStrides: [Int]
    ) throws -> StandardRoIHead {
        let h = config.roiHead
        if let type = h.bboxHead.type, type != "Shared2FCBBoxHead" {
            throw TorchError("model.roi_head.bbox_head.type: unknown box head '\(type)' (expected Shared2FCBBoxHead)")
        }
        let bboxHead = try Shared2FCBoxHead(
            inChannels: inChannels, roiSize: h.bboxHead.roiFeatSize, fcOutChannels: h.bboxHead.fcOutChannels,
            classificationLoss: classificationLoss, classifier: h.bboxHead.clsPredictorCfg)
        let maskHead = try h.maskHead.map {
            try FCNMaskHead(
                inChannels: inChannels, numConvs: $0.numConvs, convOutChannels: $0.convOutChannels,
                numClasses: config.numClasses, predictor: $0.predictorCfg)
        }
        let coder = DeltaXYWHBoxCoder(stds: h.bboxHead.targetStds)
        let buildContext = LongTailBuildContext(
            numClasses: config.numClasses, roiChannels: inChannels, roiSize: h.bboxHead.roiFeatSize,
            sharedWidth: h.bboxHead.fcOutChannels, boxCoder: coder)
        let components = try (h.longTail ?? []).map { try LongTailComponentRegistry.make($0, context: buildContext) }
        let boxPooler = MultiLevelRoIAlign(strides: roiStrides, outputSize: h.bboxHead.roiFeatSize, finestScale: h.finestScale)
        let maskPooler = MultiLevelRoIAlign(
            strides: roiStrides, outputSize: h.maskHead?.roiFeatSize ?? 14, finestScale: h.finestScale)
        let assigner = config.trainCfg.rcnn.assigner.assigner
        let sampler = config.trainCfg.rcnn.sampler.sampler
        switch h.type ?? "StandardRoIHead" {
        case "StandardRoIHead":
            return StandardRoIHead(
                bboxHead: bboxHead, maskHead: maskHead, boxPooler: boxPooler, maskPooler: maskPooler, coder: coder,
                assigner: assigner, sampler: sampler, maskSize: config.trainCfg.maskSize, longTailComponents: components)
        case "IterativeRoIHead":
            let nIter = h.nIter ?? 3
            // PCB's configs: weights (0.2, 0.2, 0.6) and the box loss of the last pass.
            let weights = h.iterLossWeight ?? (nIter == 3 ? [0.2, 0.2, 0.6] : Array(repeating: 1 / Double(nIter), count: nIter))
            let regIter = h.regIter ?? (nIter - 1)
            return try IterativeRoIHead(
                bboxHead: bboxHead, maskHead: maskHead, boxPooler: boxPooler, maskPooler: maskPooler, coder: coder,
                assigner: assigner, sampler: sampler, maskSize: config.trainCfg.maskSize, longTailComponents: components,
                featureChannels: inChannels, roiSize: h.bboxHead.roiFeatSize, nIter: nIter, iterLossWeight: weights,
                regIter: regIter == -1 ? nil : regIter, useLayerNorm: h.useLayerNorm ?? false)
        case let other:
            throw TorchError("model.roi_head.type: unknown RoI head '\(other)' (expected \(types.joined(separator: " or ")))")
        }
    }
}
