import Torch

// Box head (mmdet `Shared2FCBBoxHead`): RoI features K x C x 7 x 7 -> flatten -> fc + ReLU -> fc + ReLU ->
// classifier (built by the classification loss: C+1 or C+2 logits) and class-specific deltas (K x 4C).
// The loss is the pluggable `ClassificationLoss` plus an L1 loss on the deltas of positive RoIs; both are
// divided by the number of all rows (sampled RoIs plus rows added by long-tail components), as mmdet.

/// Everything the box head computes for a set of RoIs; later methods read the features.
public struct BoxHeadOutput {
    /// K x C x S x S pooled RoI features (before the shared FCs).
    public var roiFeatures: Tensor
    /// K x F features after the shared FCs (the classifier's input).
    public var sharedFeatures: Tensor
    /// K x `outputWidth` classification logits.
    public var logits: Tensor
    /// K x 4C class-specific box deltas.
    public var deltas: Tensor
}

/// The box head's predictions for rows that long-tail components added, computed once per step.
public struct ExtraRowPredictions {
    public var logits: Tensor
    public var labels: Tensor
    /// Regression of the rows that came with targets: predicted K' x 4C deltas, labels and K' x 4 targets.
    public var deltas: Tensor
    public var regressionLabels: Tensor
    public var regressionTargets: Tensor
}

public final class Shared2FCBoxHead: Module {
    public let sharedFcs: [Linear]
    public let fcCls: any UnaryLayer
    public let fcReg: Linear
    public let classificationLoss: any ClassificationLoss
    public let numClasses: Int

    /// `classifier` (`bbox_head.cls_predictor_cfg`) replaces the classification loss's own classifier layer.
    public init(
        inChannels: Int, roiSize: Int, fcOutChannels: Int, classificationLoss: any ClassificationLoss,
        classifier: MaskRCNNConfig.PredictorConfig? = nil
    ) throws {
        numClasses = classificationLoss.numClasses
        sharedFcs = [
            try Linear(inChannels * roiSize * roiSize, fcOutChannels), try Linear(fcOutChannels, fcOutChannels),
        ]
        switch classifier?.type {
        case nil: fcCls = try classificationLoss.makeClassifier(inputFeatures: fcOutChannels, generator: nil)
        case "CosineSimilarityLinear":
            fcCls = try CosineSimilarityLinear(
                fcOutChannels, classificationLoss.outputWidth,
                scale: classifier?.temperature ?? classifier?.tempearture ?? CosineSimilarityLinear.rioScale)
        case let other?:
            throw TorchError(
                "model.roi_head.bbox_head.cls_predictor_cfg.type: unknown layer '\(other)' (CosineSimilarityLinear, or omit it"
                    + " for the loss's own classifier)")
        }
        fcReg = try Linear(fcOutChannels, 4 * numClasses)
        self.classificationLoss = classificationLoss
        super.init()
        // mmdet: shared FCs Xavier-uniform, regression N(0, 0.001), all biases 0 (the loss initialises fc_cls).
        for fc in sharedFcs { try Init.xavierUniform(fc.weight) }
        try Init.normal(fcReg.weight, std: 0.001)
        for fc in sharedFcs + [fcReg] { if let b = fc.bias { try Init.constant(b.wrappedValue, 0) } }
    }

    public func callAsFunction(_ roiFeatures: Tensor) throws -> BoxHeadOutput {
        let shared = try sharedFeatures(roiFeatures)
        return BoxHeadOutput(roiFeatures: roiFeatures, sharedFeatures: shared, logits: try fcCls(shared), deltas: try fcReg(shared))
    }

    public func sharedFeatures(_ roiFeatures: Tensor) throws -> Tensor {
        var x = try roiFeatures.flatten(startDim: 1)
        for fc in sharedFcs { x = try fc(x).relu_() }
        return x
    }

    /// Runs the rows of the components through the head (pooled rows through the shared FCs first).
    public func predictions(for extra: [ExtraRoIRows]) throws -> ExtraRowPredictions? {
        guard !extra.isEmpty else { return nil }
        var logits: [Tensor] = [], labels: [Tensor] = []
        var deltas: [Tensor] = [], regressionLabels: [Tensor] = [], regressionTargets: [Tensor] = []
        for rows in extra {
            let shared = rows.stage == .pooled ? try sharedFeatures(rows.features) : rows.features
            logits.append(try fcCls(shared))
            labels.append(rows.labels)
            if let targets = rows.boxTargets {
                deltas.append(try fcReg(shared))
                regressionLabels.append(rows.labels)
                regressionTargets.append(targets)
            }
        }
        let device = logits[0].device
        return ExtraRowPredictions(
            logits: try Tensor.cat(logits), labels: try Tensor.cat(labels).to(device),
            deltas: deltas.isEmpty ? try Tensor.zeros([0, 4 * numClasses], device: device) : try Tensor.cat(deltas),
            regressionLabels: regressionLabels.isEmpty
                ? try Tensor.zeros([0], dtype: .int64, device: device) : try Tensor.cat(regressionLabels).to(device),
            regressionTargets: regressionTargets.isEmpty
                ? try Tensor.zeros([0, 4], device: device) : try Tensor.cat(regressionTargets).to(device))
    }

    /// One pass's `loss_cls` (or the classification loss's own terms) over the sampled RoIs and any extra rows,
    /// and `loss_bbox` (L1 on the predicted deltas of each positive row's own class). `pcbStrength` overrides
    /// PCB's strength for this pass (the iterative head ramps it). In float32 under mixed precision, the
    /// long-tail losses and their running statistics included (mmdet's `@force_fp32` on `BBoxHead.loss`).
    public func loss(
        _ output: BoxHeadOutput, rois: SampledRoIs, extra: ExtraRowPredictions?, context: TrainingStepContext,
        pcbStrength: Double? = nil
    ) throws -> LossTerms {
        try Autocast.disabled {
            try fullPrecisionLoss(output, rois: rois, extra: extra, context: context, pcbStrength: pcbStrength)
        }
    }

    private func fullPrecisionLoss(
        _ output: BoxHeadOutput, rois: SampledRoIs, extra: ExtraRowPredictions?, context: TrainingStepContext,
        pcbStrength: Double?
    ) throws -> LossTerms {
        var logits = output.logits
        var labels = rois.labels
        var instanceIDs = rois.instanceIDs
        var deltas = output.deltas
        var regressionLabels = rois.labels
        var regressionTargets = rois.boxTargets
        if let extra {
            logits = try Tensor.cat([logits, extra.logits])
            labels = try Tensor.cat([labels, extra.labels])
            // Added rows are observed per class (EBL groups them as LOCE groups its memory samples).
            instanceIDs = try Tensor.cat([
                instanceIDs,
                Tensor.full([extra.labels.size(0)], Double(ClassificationLossInput.replayedRow), dtype: .int64, device: labels.device),
            ])
            deltas = try Tensor.cat([deltas, extra.deltas])
            regressionLabels = try Tensor.cat([regressionLabels, extra.regressionLabels])
            regressionTargets = try Tensor.cat([regressionTargets, extra.regressionTargets])
        }
        logits = try logits.fullPrecision()
        deltas = try deltas.fullPrecision()
        var terms = try classificationLoss(
            ClassificationLossInput(
                logits: logits, labels: labels, averageFactor: Double(logits.size(0)), epoch: context.epoch,
                pcbAlphaOverride: pcbStrength, instanceIDs: instanceIDs))
        terms.losses["loss_bbox"] = try regressionLoss(deltas: deltas, labels: regressionLabels, targets: regressionTargets)
        return terms
    }

    /// L1 between the deltas of each positive row's own class and its targets, over the number of rows.
    private func regressionLoss(deltas: Tensor, labels: Tensor, targets: Tensor) throws -> Tensor {
        let k = deltas.size(0)
        let positives = try labels.lt(Double(numClasses)).logicalAnd(labels.ge(0)).nonzero().reshape(-1)
        let rows = try positives * Tensor(scalar: Double(numClasses), dtype: .int64) + labels.index(positives)
        let predicted = try deltas.reshape(k * numClasses, 4).index(rows)
        return try Functional.l1Loss(predicted, targets.index(positives), reduction: .sum) / Double(max(k, 1))
    }
}
