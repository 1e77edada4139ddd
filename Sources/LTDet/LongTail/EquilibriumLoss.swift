import Foundation
import Torch

/// LOCE's equilibrium loss (EBL, Feng et al., ICCV 2021; fcjian/LOCE): softmax cross-entropy over C+1 outputs
/// with every logit shifted by log m_j, m the running mean classification score of each class. A class the
/// model already scores poorly (small m) gets its logit lowered during training, so it must be pushed up
/// harder: a margin that adapts to how well each class is learned rather than to how often it occurs.
/// Test time uses the plain softmax.
public final class EquilibriumLoss: ClassificationLoss {
    public let numClasses: Int
    public let lossWeight: Double
    public let tracker: MeanScoreTracker

    public init(numClasses: Int, lossWeight: Double = 1, momentum: Double = 0.9, backgroundScore: Double = 0.01)
        throws
    {
        self.numClasses = numClasses
        self.lossWeight = lossWeight
        tracker = try MeanScoreTracker(numClasses: numClasses, momentum: momentum, backgroundScore: backgroundScore)
    }

    public var outputWidth: Int { numClasses + 1 }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        try input.validate(for: self)
        try tracker.observe(logits: input.logits, labels: input.labels, instanceIDs: input.instanceIDs)
        let shift = try withNoGrad { try tracker.meanScore.to(input.logits.dtype).log().unsqueeze(dim: 0) }
        let perRow = try Functional.crossEntropy(input.logits + shift, input.labels, reduction: .none)
        let loss = try input.reduce(perRow) * lossWeight
        let accuracy = try ClassificationAccuracy.percent(input.logits, input.labels)
        return LossTerms(losses: ["loss_cls": loss], metrics: ["acc": accuracy])
    }

    public func scores(_ logits: Tensor) throws -> Tensor { try logits.softmax(dim: 1) }

    public func stateDict() -> [String: Tensor] { ["mean_score": tracker.meanScore] }

    public func loadStateDict(_ state: [String: Tensor]) throws { try tracker.loadStateDict(state) }

    public func moveState(to device: Device) throws { try tracker.moveState(to: device) }
}
