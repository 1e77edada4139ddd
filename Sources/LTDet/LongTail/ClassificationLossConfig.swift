import Foundation
import Torch

/// The `model.roi_head.bbox_head.loss_cls` section (mmdet type names and parameter names), plus the
/// `model.roi_head.bbox_head.pcb` section, which the config decoder copies into `pcb`. Every parameter is
/// optional and defaults to the published recipe of its method.
public struct ClassificationLossConfig: Codable, Sendable, Equatable {
    /// CrossEntropyLoss, SeesawLoss, EQLv2 or EquilibriumLoss.
    public var type: String
    /// CrossEntropyLoss only: per-class sigmoid BCE instead of softmax.
    public var useSigmoid: Bool?
    public var lossWeight: Double?
    /// Seesaw: mitigation exponent, compensation exponent, compensation divisor floor.
    public var p: Double?
    public var q: Double?
    public var eps: Double?
    /// EQL v2: steepness and centre of the weight curve, and the positive-weight gain.
    public var gamma: Double?
    public var mu: Double?
    public var alpha: Double?
    /// EquilibriumLoss: the per-observation momentum of the mean-score tracker and the pinned background score.
    public var momentum: Double?
    public var backgroundScore: Double?
    public var pcb: PCBConfig?

    public init(
        type: String, useSigmoid: Bool? = nil, lossWeight: Double? = nil, p: Double? = nil, q: Double? = nil,
        eps: Double? = nil, gamma: Double? = nil, mu: Double? = nil, alpha: Double? = nil, momentum: Double? = nil,
        backgroundScore: Double? = nil, pcb: PCBConfig? = nil
    ) {
        self.type = type
        self.useSigmoid = useSigmoid
        self.lossWeight = lossWeight
        self.p = p
        self.q = q
        self.eps = eps
        self.gamma = gamma
        self.mu = mu
        self.alpha = alpha
        self.momentum = momentum
        self.backgroundScore = backgroundScore
        self.pcb = pcb
    }

    enum CodingKeys: String, CodingKey {
        case type, p, q, eps, gamma, mu, alpha, momentum, pcb
        case useSigmoid = "use_sigmoid"
        case lossWeight = "loss_weight"
        case backgroundScore = "background_score"
    }
}

/// `model.roi_head.bbox_head.pcb`: switches PCB on for the chosen loss (softmax, Seesaw or EQL v2).
public struct PCBConfig: Codable, Sendable, Equatable {
    /// Strength of the fightback term; default per variant (softmax 0.4, Seesaw 0.05, EQL v2 0.2).
    public var alpha: Double?
    public var momentum: Double?
    /// First 1-based epoch with the fightback term (default 17, of a 24-epoch schedule).
    public var startEpoch: Int?

    public init(alpha: Double? = nil, momentum: Double? = nil, startEpoch: Int? = nil) {
        self.alpha = alpha
        self.momentum = momentum
        self.startEpoch = startEpoch
    }

    enum CodingKeys: String, CodingKey {
        case alpha, momentum
        case startEpoch = "start_epoch"
    }
}
