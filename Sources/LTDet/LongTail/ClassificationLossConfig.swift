import Foundation

/// `model.roi_head.bbox_head.loss_cls`: the loss by its mmdet type name, with that loss's own parameters (a key
/// another loss uses is an unknown key here, so `alpha` cannot silently mean EQL v2's gain under Seesaw). Every
/// parameter is optional and defaults to the published recipe of its method. PCB is a separate section
/// (`bbox_head.pcb`, `PCBConfig`) because it modifies any of the softmax, Seesaw and EQL v2 losses.
public enum ClassificationLossConfig: Codable, Sendable, Equatable {
    case crossEntropy(CrossEntropyLossConfig)
    case seesaw(SeesawLossConfig)
    case eqlv2(EQLv2LossConfig)
    case equilibrium(EquilibriumLossConfig)

    public static let types = ["CrossEntropyLoss", "SeesawLoss", "EQLv2", "EquilibriumLoss"]

    /// The mmdet type name.
    public var type: String {
        switch self {
        case .crossEntropy: "CrossEntropyLoss"
        case .seesaw: "SeesawLoss"
        case .eqlv2: "EQLv2"
        case .equilibrium: "EquilibriumLoss"
        }
    }

    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "CrossEntropyLoss": self = .crossEntropy(try CrossEntropyLossConfig(from: decoder))
        case "SeesawLoss": self = .seesaw(try SeesawLossConfig(from: decoder))
        case "EQLv2": self = .eqlv2(try EQLv2LossConfig(from: decoder))
        case "EquilibriumLoss": self = .equilibrium(try EquilibriumLossConfig(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "unknown loss '\(type)' (expected \(Self.types.joined(separator: ", ")))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .crossEntropy(let c): try c.encode(to: encoder)
        case .seesaw(let c): try c.encode(to: encoder)
        case .eqlv2(let c): try c.encode(to: encoder)
        case .equilibrium(let c): try c.encode(to: encoder)
        }
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(type, forKey: .type)
    }

    /// The loss weight every loss accepts.
    public var lossWeight: Double {
        switch self {
        case .crossEntropy(let c): c.lossWeight ?? 1
        case .seesaw(let c): c.lossWeight ?? 1
        case .eqlv2(let c): c.lossWeight ?? 1
        case .equilibrium(let c): c.lossWeight ?? 1
        }
    }
}

/// `type: CrossEntropyLoss`: softmax over C+1 outputs, or per-class sigmoid BCE with `use_sigmoid`.
public struct CrossEntropyLossConfig: Codable, Sendable, Equatable {
    public var useSigmoid: Bool?
    public var lossWeight: Double?

    public init(useSigmoid: Bool? = nil, lossWeight: Double? = nil) {
        self.useSigmoid = useSigmoid
        self.lossWeight = lossWeight
    }

    enum CodingKeys: String, CodingKey {
        case useSigmoid = "use_sigmoid", lossWeight = "loss_weight"
    }
}

/// `type: SeesawLoss`: mitigation exponent p (0.8), compensation exponent q (2), compensation floor eps (0.01).
public struct SeesawLossConfig: Codable, Sendable, Equatable {
    public var p: Double?
    public var q: Double?
    public var eps: Double?
    public var lossWeight: Double?

    public init(p: Double? = nil, q: Double? = nil, eps: Double? = nil, lossWeight: Double? = nil) {
        self.p = p
        self.q = q
        self.eps = eps
        self.lossWeight = lossWeight
    }

    enum CodingKeys: String, CodingKey {
        case p, q, eps, lossWeight = "loss_weight"
    }
}

/// `type: EQLv2`: steepness gamma (12) and centre mu (0.8) of the weight curve, positive-weight gain alpha (4).
public struct EQLv2LossConfig: Codable, Sendable, Equatable {
    public var gamma: Double?
    public var mu: Double?
    public var alpha: Double?
    public var lossWeight: Double?

    public init(gamma: Double? = nil, mu: Double? = nil, alpha: Double? = nil, lossWeight: Double? = nil) {
        self.gamma = gamma
        self.mu = mu
        self.alpha = alpha
        self.lossWeight = lossWeight
    }

    enum CodingKeys: String, CodingKey {
        case gamma, mu, alpha, lossWeight = "loss_weight"
    }
}

/// `type: EquilibriumLoss` (LOCE's EBL): the per-observation momentum of the mean-score tracker (0.9) and the
/// pinned background score (0.01).
public struct EquilibriumLossConfig: Codable, Sendable, Equatable {
    public var momentum: Double?
    public var backgroundScore: Double?
    public var lossWeight: Double?

    public init(momentum: Double? = nil, backgroundScore: Double? = nil, lossWeight: Double? = nil) {
        self.momentum = momentum
        self.backgroundScore = backgroundScore
        self.lossWeight = lossWeight
    }

    enum CodingKeys: String, CodingKey {
        case momentum, lossWeight = "loss_weight", backgroundScore = "background_score"
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
