import Foundation
import Torch

/// Builds the box head's classification loss from `loss_cls` and `pcb`.
public enum ClassificationLossFactory {
    /// Why a loss/PCB combination cannot be built, or nil: checked at config load (naming the file) and here.
    public static func problem(loss: ClassificationLossConfig, pcb: PCBConfig?) -> (key: String, message: String)? {
        guard pcb != nil else { return nil }
        switch loss {
        case .crossEntropy(let c) where c.useSigmoid == true:
            return ("pcb", "PCB is defined for softmax, SeesawLoss and EQLv2, not sigmoid CrossEntropyLoss")
        case .equilibrium:
            return ("pcb", "PCB is not defined for EquilibriumLoss")
        default:
            return nil
        }
    }

    public static func make(_ loss: ClassificationLossConfig, pcb: PCBConfig? = nil, numClasses: Int) throws
        -> any ClassificationLoss
    {
        if let problem = problem(loss: loss, pcb: pcb) {
            throw TorchError("bbox_head.\(problem.key): \(problem.message)")
        }
        func balance(_ variant: PairwiseClassBalance.Variant) throws -> PairwiseClassBalance? {
            guard let pcb else { return nil }
            return try PairwiseClassBalance(
                variant: variant, numClasses: numClasses, alpha: pcb.alpha, momentum: pcb.momentum ?? 0.99,
                startEpoch: pcb.startEpoch ?? 17)
        }
        let weight = loss.lossWeight
        switch loss {
        case .crossEntropy(let c):
            if c.useSigmoid == true { return SigmoidCrossEntropyLoss(numClasses: numClasses, lossWeight: weight) }
            return SoftmaxCrossEntropyLoss(numClasses: numClasses, lossWeight: weight, pcb: try balance(.softmax))
        case .seesaw(let c):
            return try SeesawLoss(
                numClasses: numClasses, p: c.p ?? 0.8, q: c.q ?? 2, eps: c.eps ?? 1e-2, lossWeight: weight,
                pcb: try balance(.seesaw))
        case .eqlv2(let c):
            return try EQLv2Loss(
                numClasses: numClasses, gamma: c.gamma ?? 12, mu: c.mu ?? 0.8, alpha: c.alpha ?? 4, lossWeight: weight,
                pcb: try balance(.eqlv2))
        case .equilibrium(let c):
            return try EquilibriumLoss(
                numClasses: numClasses, lossWeight: weight, momentum: c.momentum ?? 0.9,
                backgroundScore: c.backgroundScore ?? 0.01)
        }
    }

    /// The same from a decoded JSON dictionary in mmdet's style: the `loss_cls` keys, plus an optional `pcb`
    /// dictionary (`{type: SeesawLoss, p: 0.8, pcb: {alpha: 0.05}}`), as the loss harness takes them.
    public static func make(config: [String: Any], numClasses: Int) throws -> any ClassificationLoss {
        var lossPart = config
        let pcbPart = lossPart.removeValue(forKey: "pcb")
        do {
            let loss = try JSONDecoder().decode(
                ClassificationLossConfig.self, from: try JSONSerialization.data(withJSONObject: lossPart))
            let known = try JSONSerialization.jsonObject(with: JSONEncoder().encode(loss)) as? [String: Any] ?? [:]
            if let unknown = lossPart.keys.sorted().first(where: { known[$0] == nil }) {
                throw TorchError("loss_cls: '\(unknown)' is not a parameter of \(loss.type)")
            }
            let pcb = try pcbPart.map {
                try JSONDecoder().decode(PCBConfig.self, from: try JSONSerialization.data(withJSONObject: $0))
            }
            return try make(loss, pcb: pcb, numClasses: numClasses)
        } catch let error as DecodingError {
            throw TorchError("loss_cls: cannot read \(config): \(error)")
        }
    }
}
