import Foundation
import Torch

/// Equalization loss v2 (Tan et al., CVPR 2021; tztztztztz/eqlv2). Sigmoid BCE over C+1 outputs (the last an
/// objectness channel) where each class's positive and negative terms are re-weighted by how balanced the
/// gradients it has received so far are: r_c = G+_c / (G-_c + 1e-10), negative weight q_c = f(r_c) with
/// f(x) = 1/(1+exp(-gamma(x-mu))), positive weight p_c = 1 + alpha(1-q_c). A class that mostly receives
/// discouraging gradients (small r) gets its negatives turned down and its positives turned up.
///
/// The accumulated sums are state saved in checkpoints (the original kept them in plain attributes and lost
/// them on resume). With PCB (alpha 0.2) positive rows train towards a t + (1-a) onehot(c).
public final class EQLv2Loss: ClassificationLoss {
    public let numClasses: Int
    public let gamma: Double
    public let mu: Double
    public let alpha: Double
    public let lossWeight: Double
    public let pcb: PairwiseClassBalance?
    /// Sums the per-step gradient statistics over processes before they are accumulated.
    public var collectives: ProcessCollectives = .singleProcess
    /// G+ and G-: accumulated weighted gradient magnitudes of the C foreground columns, never decayed.
    public private(set) var positiveGradients: Tensor
    public private(set) var negativeGradients: Tensor
    /// r = G+ / (G- + 1e-10) after the last step; 100 before the first (all weights 1), kept as state of its
    /// own because zero sums would otherwise read as r = 0, the opposite extreme.
    public private(set) var gradientRatio: Tensor

    public init(
        numClasses: Int, gamma: Double = 12, mu: Double = 0.8, alpha: Double = 4, lossWeight: Double = 1,
        pcb: PairwiseClassBalance? = nil
    ) throws {
        self.numClasses = numClasses
        self.gamma = gamma
        self.mu = mu
        self.alpha = alpha
        self.lossWeight = lossWeight
        self.pcb = pcb
        positiveGradients = try .zeros([numClasses])
        negativeGradients = try .zeros([numClasses])
        gradientRatio = try .full([numClasses], 100)
    }

    public var outputWidth: Int { numClasses + 1 }

    /// Starts every sigmoid at p = 0.001, as the original heads do (`SigmoidClassifierPrior`).
    public func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer {
        try SigmoidClassifierPrior.makeClassifier(inputFeatures: inputFeatures, outputWidth: outputWidth, generator: generator)
    }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        try input.validate(for: self)
        let logits = input.logits
        let dtype = logits.dtype
        var target = try input.labels.oneHot(numClasses: outputWidth).to(dtype)

        if let pcb {
            let positives = try input.labels.lt(Double(numClasses)).nonzero().squeeze(dim: 1)
            let posLabels = try input.labels.index(positives)
            if positives.size(0) > 0 {
                let foreground = try logits.index(positives).narrow(dim: 1, start: 0, length: numClasses)
                try pcb.confusion.update(probabilities: try foreground.detach().sigmoid(), labels: posLabels)
            }
            if let a = try pcb.strength(epoch: input.epoch, override: input.pcbAlphaOverride), positives.size(0) > 0 {
                let hard = try target.index(positives)
                let soft = try pcb.fightbackTargets(labels: posLabels).to(dtype).padded([0, 1]) * a + hard * (1 - a)
                target = try target.clone()
                try target.indexPut_(positives, soft)
            }
        }

        let (positiveWeight, negativeWeight) = try classWeights(dtype: dtype)
        let rowWeights = try input.rowWeights().unsqueeze(dim: 1)
        let weight = try (positiveWeight * target + negativeWeight * (1 - target)) * rowWeights
        let bce = try Functional.binaryCrossEntropyWithLogits(logits, target, reduction: .none)
        let loss = try (bce * weight).sum() / Double(max(logits.size(0), 1)) * lossWeight

        try accumulateGradientStatistics(logits: logits, target: target, weight: weight)
        let accuracy = try ClassificationAccuracy.percent(logits, input.labels)
        return LossTerms(losses: ["loss_cls": loss], metrics: ["acc": accuracy])
    }

    /// (p, q) as 1 x (C+1) rows; the objectness column has weight 1 both ways.
    private func classWeights(dtype: DType) throws -> (Tensor, Tensor) {
        try withNoGrad {
            let r = try gradientRatio.to(dtype)
            let q = try ((r - mu) * -gamma).exp() + 1
            let negative = try Tensor.cat([q.reciprocal(), Tensor.ones([1], dtype: dtype, device: r.device)])
            let positive = try (1 - negative) * alpha + 1
            return (try positive.unsqueeze(dim: 0), try negative.unsqueeze(dim: 0))
        }
    }

    /// After the loss: g = |sigmoid(z) - Y| split into its positive and negative parts per class, weighted as
    /// in the loss, summed over processes and added to G+ and G-.
    private func accumulateGradientStatistics(logits: Tensor, target: Tensor, weight: Tensor) throws {
        try withNoGrad {
            let g = try (logits.detach().sigmoid() - target).abs() * weight
            let positive = try (g * target).sum(dim: 0).narrow(dim: 0, start: 0, length: numClasses)
            let negative = try (g * (1 - target)).sum(dim: 0).narrow(dim: 0, start: 0, length: numClasses)
            positiveGradients = try positiveGradients + collectives.sum(positive).to(positiveGradients.dtype)
            negativeGradients = try negativeGradients + collectives.sum(negative).to(negativeGradients.dtype)
            gradientRatio = try (positiveGradients / (negativeGradients + 1e-10)).to(gradientRatio.dtype)
        }
    }

    /// sigmoid(z_c) * (1 - sigmoid(z_C)) for the classes, sigmoid(z_C) last.
    public func scores(_ logits: Tensor) throws -> Tensor {
        let s = try logits.sigmoid()
        let background = try s.narrow(dim: 1, start: numClasses, length: 1)
        return try Tensor.cat([s.narrow(dim: 1, start: 0, length: numClasses) * (1 - background), background], dim: 1)
    }

    public func moveState(to device: Device) throws {
        try pcb?.confusion.moveState(to: device)
        positiveGradients = try positiveGradients.to(device)
        negativeGradients = try negativeGradients.to(device)
        gradientRatio = try gradientRatio.to(device)
    }

    public func stateDict() -> [String: Tensor] {
        var state = pcb?.confusion.stateDict() ?? [:]
        state["pos_grad"] = positiveGradients
        state["neg_grad"] = negativeGradients
        state["pos_neg"] = gradientRatio
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try LossState.restore("pos_grad", from: state, into: &positiveGradients, owner: "EQLv2Loss")
        try LossState.restore("neg_grad", from: state, into: &negativeGradients, owner: "EQLv2Loss")
        try LossState.restore("pos_neg", from: state, into: &gradientRatio, owner: "EQLv2Loss")
        try pcb?.confusion.loadStateDict(state)
    }
}
