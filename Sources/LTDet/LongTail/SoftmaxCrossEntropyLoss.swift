import Torch

/// The baseline: softmax cross-entropy over C+1 outputs (background last), summed over RoIs and divided by
/// the number of all RoIs, as mmdet's `CrossEntropyLoss` with `avg_factor`.
///
/// With PCB (softmax variant, alpha 0.4): L = CE(negatives) + (1-a) CE(positives)
/// + a * sum_pos KL(t || softmax(z)) / (all RoIs), t the fightback soft label padded with 0 for background.
public final class SoftmaxCrossEntropyLoss: ClassificationLoss {
    public let numClasses: Int
    public let lossWeight: Double
    public let pcb: PairwiseClassBalance?

    public init(numClasses: Int, lossWeight: Double = 1, pcb: PairwiseClassBalance? = nil) {
        self.numClasses = numClasses
        self.lossWeight = lossWeight
        self.pcb = pcb
    }

    public var outputWidth: Int { numClasses + 1 }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        try input.validate(for: self)
        let logits = input.logits
        var perRoI = try Functional.crossEntropy(logits, input.labels, reduction: .none)
        var extra: Tensor?
        if let pcb {
            let positives = try input.labels.lt(Double(numClasses)).nonzero().squeeze(dim: 1)
            let posLabels = try input.labels.index(positives)
            if positives.size(0) > 0 {
                let foreground = try logits.index(positives).narrow(dim: 1, start: 0, length: numClasses)
                try pcb.confusion.update(probabilities: try foreground.detach().softmax(dim: 1), labels: posLabels)
            }
            if let a = try pcb.strength(epoch: input.epoch, override: input.pcbAlphaOverride) {
                // Positives keep (1-a) of their hard-label loss; the rest comes from the soft label.
                let isPositive = try input.labels.lt(Double(numClasses)).to(logits.dtype)
                perRoI = try perRoI * (1 - isPositive * a)
                extra = try fightbackKL(logits.index(positives), labels: posLabels, pcb: pcb) * (a / max(input.averageFactor, 1))
            }
        }
        var loss = try input.reduce(perRoI)
        if let extra { loss = try loss + extra }
        loss = try loss * lossWeight
        let accuracy = try ClassificationAccuracy.percent(logits, input.labels)
        return LossTerms(losses: ["loss_cls": loss], metrics: ["acc": accuracy])
    }

    /// sum over positive RoIs of KL(t || softmax(z)) over the C+1 outputs, t zero on the background column.
    private func fightbackKL(_ logits: Tensor, labels: Tensor, pcb: PairwiseClassBalance) throws -> Tensor {
        guard logits.size(0) > 0 else { return try logits.sum() }
        let target = try pcb.fightbackTargets(labels: labels).to(logits.dtype).padded([0, 1])
        let entropyPart = try withNoGrad {
            try Tensor.where(target.gt(0), target * target.log(), target.zerosLike()).sum()
        }
        return try entropyPart - (target * logits.logSoftmax(dim: 1)).sum()
    }

    public func scores(_ logits: Tensor) throws -> Tensor { try logits.softmax(dim: 1) }

    public func stateDict() -> [String: Tensor] { pcb?.confusion.stateDict() ?? [:] }

    public func loadStateDict(_ state: [String: Tensor]) throws { try pcb?.confusion.loadStateDict(state) }

    public func moveState(to device: Device) throws { try pcb?.confusion.moveState(to: device) }
}
