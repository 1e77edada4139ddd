import Torch

/// Seesaw loss (Wang et al., CVPR 2021; mmdet `SeesawLoss`). The classifier has C+2 outputs: C class logits,
/// then "object" and "background". The C-way classes loss runs on positive RoIs with every negative class
/// logit z_j raised by log(M_yj * C_yj): the mitigation factor M_yj = (N_j/N_y)^p < 1 lowers the penalty a
/// frequent class y inflicts on a rarer class j, and the compensation factor C_yj = (s_j/s_y)^q > 1 restores
/// it where j is wrongly scored above y. A separate 2-way objectness loss covers all RoIs.
///
/// With PCB (alpha 0.05): the classes loss keeps (1-a) of its weight and `loss_pcb_classes` adds
/// a * soft cross-entropy of the fightback label on the same seesaw-adjusted logits.
public final class SeesawLoss: ClassificationLoss {
    public let numClasses: Int
    public let p: Double
    public let q: Double
    public let eps: Double
    public let lossWeight: Double
    public let pcb: PairwiseClassBalance?
    /// N: sampled-RoI labels counted per class (C+1 entries, background last and unused). Per process,
    /// never synchronised, counted before the loss of each step.
    public private(set) var cumulativeSamples: Tensor

    public init(
        numClasses: Int, p: Double = 0.8, q: Double = 2.0, eps: Double = 1e-2, lossWeight: Double = 1,
        pcb: PairwiseClassBalance? = nil
    ) throws {
        self.numClasses = numClasses
        self.p = p
        self.q = q
        self.eps = eps
        self.lossWeight = lossWeight
        self.pcb = pcb
        cumulativeSamples = try .zeros([numClasses + 1])
    }

    public var outputWidth: Int { numClasses + 2 }

    public func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer {
        try NormedLinear(inputFeatures, outputWidth, temperature: 20, generator: generator)
    }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        try input.validate(for: self)
        let labels = input.labels
        try withNoGrad {
            let seen = try labels.bincount(minLength: numClasses + 1).to(cumulativeSamples.dtype)
            cumulativeSamples = try cumulativeSamples + seen
        }
        let weights = try input.rowWeights()
        let classLogits = try input.logits.narrow(dim: 1, start: 0, length: numClasses)
        let objectnessLogits = try input.logits.narrow(dim: 1, start: numClasses, length: 2)

        let positives = try labels.lt(Double(numClasses)).nonzero().squeeze(dim: 1)
        let posLogits = try classLogits.index(positives)
        let posLabels = try labels.index(positives)
        let posWeights = try weights.index(positives)
        let hasPositives = positives.size(0) > 0

        var strength: Double?
        if let pcb {
            if hasPositives {
                try pcb.confusion.update(probabilities: try posLogits.detach().softmax(dim: 1), labels: posLabels)
            }
            strength = try pcb.strength(epoch: input.epoch, override: input.pcbAlphaOverride)
        }

        var losses: [String: Tensor] = [:]
        if hasPositives {
            let adjusted = try posLogits + logSeesawFactors(posLogits, labels: posLabels)
            let hard = try Functional.crossEntropy(adjusted, posLabels, reduction: .none)
            losses["loss_cls_classes"] = try input.reduce(hard, weights: posWeights) * (lossWeight * (1 - (strength ?? 0)))
            if let a = strength, let pcb {
                let target = try pcb.fightbackTargets(labels: posLabels).to(adjusted.dtype)
                let soft = try -(target * adjusted.logSoftmax(dim: 1)).sum(dim: 1)
                losses["loss_pcb_classes"] = try input.reduce(soft, weights: posWeights) * (lossWeight * a)
            }
        } else {
            // No positive RoI: a zero that keeps the graph connected, as mmdet's empty sum.
            losses["loss_cls_classes"] = try posLogits.sum()
            if strength != nil { losses["loss_pcb_classes"] = try posLogits.sum() }
        }
        let objectnessTargets = try labels.eq(Double(numClasses)).to(.int64)
        let objectness = try Functional.crossEntropy(objectnessLogits, objectnessTargets, reduction: .none)
        losses["loss_cls_objectness"] = try input.reduce(objectness, weights: weights) * lossWeight

        let metrics = [
            "acc_objectness": try ClassificationAccuracy.percent(objectnessLogits, objectnessTargets),
            "acc_classes": try ClassificationAccuracy.percent(posLogits, posLabels),
        ]
        return LossTerms(losses: losses, metrics: metrics)
    }

    /// log(M_yj * C_yj) for j != y and 0 for j = y (P x C), outside autograd.
    private func logSeesawFactors(_ logits: Tensor, labels: Tensor) throws -> Tensor {
        try withNoGrad {
            var factors = try logits.onesLike()
            if p > 0 {
                let counts = try cumulativeSamples.narrow(dim: 0, start: 0, length: numClasses).to(logits.dtype)
                    .clamp(min: 1)
                let ratio = try counts.unsqueeze(dim: 0) / counts.index(labels).unsqueeze(dim: 1)
                factors = try factors * Tensor.where(ratio.lt(1), ratio.pow(p), ratio.onesLike())
            }
            if q > 0 {
                let s = try logits.softmax(dim: 1)
                let own = try s.gather(dim: 1, index: labels.unsqueeze(dim: 1))
                let ratio = try s / own.clamp(min: eps)
                factors = try factors * Tensor.where(ratio.gt(1), ratio.pow(q), ratio.onesLike())
            }
            let notOwn = try 1 - labels.oneHot(numClasses: numClasses).to(logits.dtype)
            return try factors.log() * notOwn
        }
    }

    /// softmax over the C classes times the object probability; the background probability last.
    public func scores(_ logits: Tensor) throws -> Tensor {
        let classes = try logits.narrow(dim: 1, start: 0, length: numClasses).softmax(dim: 1)
        let objectness = try logits.narrow(dim: 1, start: numClasses, length: 2).softmax(dim: 1)
        let object = try objectness.narrow(dim: 1, start: 0, length: 1)
        return try Tensor.cat([classes * object, objectness.narrow(dim: 1, start: 1, length: 1)], dim: 1)
    }

    public func moveState(to device: Device) throws {
        try pcb?.confusion.moveState(to: device)
        cumulativeSamples = try cumulativeSamples.to(device)
    }

    public func stateDict() -> [String: Tensor] {
        var state = pcb?.confusion.stateDict() ?? [:]
        state["cum_samples"] = cumulativeSamples
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try LossState.restore("cum_samples", from: state, into: &cumulativeSamples, owner: "SeesawLoss")
        try pcb?.confusion.loadStateDict(state)
    }
}
