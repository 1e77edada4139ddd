import Torch

/// PCB (pairwise class balance) as it plugs into a base loss: the confusion matrix, its activity gate and
/// the strength of the fightback term. The base loss decides how the soft labels enter (KL term for softmax,
/// soft seesaw cross-entropy for Seesaw, soft BCE targets for EQL v2), so each variant keeps its formula
/// next to the loss it modifies.
public final class PairwiseClassBalance {
    public enum Variant: String, Sendable {
        case softmax, seesaw, eqlv2

        /// The published strength of each variant (also used with RFS).
        public var defaultAlpha: Double {
            switch self {
            case .softmax: 0.4
            case .seesaw: 0.05
            case .eqlv2: 0.2
            }
        }

        /// Softmax-based variants keep probability rows and normalise columns into soft labels; the sigmoid
        /// scores of EQL v2 are independent per class, so their raw columns are the soft labels.
        var usesNormalizedDistributions: Bool { self != .eqlv2 }
    }

    public let variant: Variant
    public let alpha: Double
    /// The first 1-based epoch at which the fightback term may switch on (17 of 24).
    public let startEpoch: Int
    public let confusion: ConfusionMatrix

    public init(variant: Variant, numClasses: Int, alpha: Double? = nil, momentum: Double = 0.99, startEpoch: Int = 17)
        throws
    {
        self.variant = variant
        self.alpha = alpha ?? variant.defaultAlpha
        self.startEpoch = startEpoch
        confusion = try ConfusionMatrix(
            numClasses: numClasses, momentum: momentum, normalizesRows: variant.usesNormalizedDistributions)
    }

    /// The strength for this call, or nil while PCB is off (before `startEpoch`, or while some class has
    /// never had a positive RoI, since its soft labels would be undefined).
    public func strength(epoch: Int, override: Double?) throws -> Double? {
        guard epoch >= startEpoch, try confusion.coversEveryClass() else { return nil }
        return override ?? alpha
    }

    public func fightbackTargets(labels: Tensor) throws -> Tensor {
        try confusion.fightbackTargets(labels: labels, columnNormalized: variant.usesNormalizedDistributions)
    }
}
