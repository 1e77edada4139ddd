import Foundation
import Torch

/// Builds the box head's classification loss from its configuration.
public enum ClassificationLossFactory {
    public static func make(config: ClassificationLossConfig, numClasses: Int) throws -> any ClassificationLoss {
        let weight = config.lossWeight ?? 1
        func balance(_ variant: PairwiseClassBalance.Variant) throws -> PairwiseClassBalance? {
            guard let pcb = config.pcb else { return nil }
            return try PairwiseClassBalance(
                variant: variant, numClasses: numClasses, alpha: pcb.alpha, momentum: pcb.momentum ?? 0.99,
                startEpoch: pcb.startEpoch ?? 17)
        }
        switch config.type {
        case "CrossEntropyLoss":
            if config.useSigmoid == true {
                guard config.pcb == nil else {
                    throw TorchError("loss_cls: PCB is defined for softmax, SeesawLoss and EQLv2, not sigmoid CrossEntropyLoss")
                }
                return SigmoidCrossEntropyLoss(numClasses: numClasses, lossWeight: weight)
            }
            return SoftmaxCrossEntropyLoss(numClasses: numClasses, lossWeight: weight, pcb: try balance(.softmax))
        case "SeesawLoss":
            return try SeesawLoss(
                numClasses: numClasses, p: config.p ?? 0.8, q: config.q ?? 2, eps: config.eps ?? 1e-2,
                lossWeight: weight, pcb: try balance(.seesaw))
        case "EQLv2":
            return try EQLv2Loss(
                numClasses: numClasses, gamma: config.gamma ?? 12, mu: config.mu ?? 0.8, alpha: config.alpha ?? 4,
                lossWeight: weight, pcb: try balance(.eqlv2))
        case "EquilibriumLoss":
            guard config.pcb == nil else { throw TorchError("loss_cls: PCB is not defined for EquilibriumLoss") }
            return try EquilibriumLoss(
                numClasses: numClasses, lossWeight: weight, momentum: config.momentum ?? 0.9,
                backgroundScore: config.backgroundScore ?? 0.01)
        default:
            throw TorchError(
                "loss_cls: unknown type '\(config.type)' (expected CrossEntropyLoss, SeesawLoss, EQLv2 or EquilibriumLoss)")
        }
    }

    /// The same from a decoded JSON/YAML dictionary (`{type: SeesawLoss, p: 0.8, pcb: {alpha: 0.05}}`).
    public static func make(config: [String: Any], numClasses: Int) throws -> any ClassificationLoss {
        let data = try JSONSerialization.data(withJSONObject: config)
        let decoded: ClassificationLossConfig
        do {
            decoded = try JSONDecoder().decode(ClassificationLossConfig.self, from: data)
        } catch {
            throw TorchError("loss_cls: cannot read \(config): \(error)")
        }
        return try make(config: decoded, numClasses: numClasses)
    }
}
