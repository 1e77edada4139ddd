import Torch

// Box head (mmdet `Shared2FCBBoxHead`): RoI features K x C x 7 x 7 -> flatten -> fc + ReLU -> fc + ReLU ->
// classifier (built by the classification loss: C+1 or C+2 logits) and class-specific deltas (K x 4C).
// The loss is the pluggable `ClassificationLoss` plus an L1 loss on the deltas of positive RoIs; both are
// divided by the number of all RoIs, as mmdet.

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

/// Extra rows for the classification loss only (memory replay): box-head features with their labels.
public struct ExtraClassificationRows {
    /// R x F features in the space of `BoxHeadOutput.sharedFeatures`.
    public var features: Tensor
    /// R int64 labels, background = C.
    public var labels: Tensor

    public init(features: Tensor, labels: Tensor) {
        self.features = features
        self.labels = labels
    }
}

/// What the box head trains against: per RoI its class (background = C) and, for positives, box deltas.
public struct BoxTargets {
    /// K int64 labels, background = C.
    public var labels: Tensor
    /// K x 4 encoded deltas (rows of background RoIs are ignored).
    public var deltas: Tensor
}

public final class Shared2FCBoxHead: Module {
    public let sharedFcs: [Linear]
    public let fcCls: any UnaryLayer
    public let fcReg: Linear
    public let classificationLoss: any ClassificationLoss
    public let numClasses: Int

    public init(
        inChannels: Int, roiSize: Int, fcOutChannels: Int, classificationLoss: any ClassificationLoss
    ) throws {
        numClasses = classificationLoss.numClasses
        sharedFcs = [
            try Linear(inChannels * roiSize * roiSize, fcOutChannels), try Linear(fcOutChannels, fcOutChannels),
        ]
        fcCls = try classificationLoss.makeClassifier(inputFeatures: fcOutChannels, generator: nil)
        fcReg = try Linear(fcOutChannels, 4 * numClasses)
        self.classificationLoss = classificationLoss
        super.init()
        // mmdet: shared FCs Xavier-uniform, regression N(0, 0.001), all biases 0 (the loss initialises fc_cls).
        for fc in sharedFcs { try Init.xavierUniform(fc.weight) }
        try Init.normal(fcReg.weight, std: 0.001)
        for fc in sharedFcs + [fcReg] { if let b = fc.bias { try Init.constant(b.wrappedValue, 0) } }
    }

    public func callAsFunction(_ roiFeatures: Tensor) throws -> BoxHeadOutput {
        var x = try roiFeatures.flatten(startDim: 1)
        for fc in sharedFcs { x = try fc(x).relu() }
        return BoxHeadOutput(roiFeatures: roiFeatures, sharedFeatures: x, logits: try fcCls(x), deltas: try fcReg(x))
    }

    /// `loss_cls` (or the classification loss's own terms) over the RoIs and any extra rows, and `loss_bbox`
    /// (L1 on the predicted deltas of each positive RoI's own class).
    public func loss(
        _ output: BoxHeadOutput, targets: BoxTargets, extraRows: ExtraClassificationRows? = nil, epoch: Int
    ) throws -> LossTerms {
        var logits = output.logits
        var labels = targets.labels
        if let extra = extraRows {
            logits = try Tensor.cat([logits, fcCls(extra.features)])
            labels = try Tensor.cat([labels, extra.labels.to(labels.device)])
        }
        var terms = try classificationLoss(
            ClassificationLossInput(logits: logits, labels: labels, averageFactor: Double(logits.size(0)), epoch: epoch))

        let k = output.deltas.size(0)
        let positives = try targets.labels.lt(Double(numClasses)).logicalAnd(targets.labels.ge(0)).nonzero().reshape(-1)
        let rows = try positives * Tensor(scalar: Double(numClasses), dtype: .int64) + targets.labels.index(positives)
        let predicted = try output.deltas.reshape(k * numClasses, 4).index(rows)
        terms.losses["loss_bbox"] = try Functional.l1Loss(predicted, targets.deltas.index(positives), reduction: .sum)
            / Double(max(k, 1))
        return terms
    }
}
