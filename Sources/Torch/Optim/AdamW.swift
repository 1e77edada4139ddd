import Foundation

/// Adam with decoupled weight decay, as torch.optim.AdamW (amsgrad off).
public final class AdamW: Optimizer {
    public let groups: [ParameterGroup]
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    private var steps: [Int: Int] = [:]
    private var expAvg: [Int: Tensor] = [:]
    private var expAvgSq: [Int: Tensor] = [:]

    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    public convenience init(_ parameters: [Parameter], lr: Double = 1e-3, weightDecay: Double = 1e-2) {
        self.init(groups: [ParameterGroup(parameters, lr: lr, weightDecay: weightDecay)])
    }

    public func step() throws {
        try forEachParameterWithGradient { index, group, param, g in
            try param.mul_(1 - group.lr * group.weightDecay)
            let m = try expAvg[index] ?? param.zerosLike()
            let v = try expAvgSq[index] ?? param.zerosLike()
            expAvg[index] = m
            expAvgSq[index] = v
            let t = (steps[index] ?? 0) + 1
            steps[index] = t
            try m.mul_(beta1)
            try m.add_(g, alpha: 1 - beta1)
            try v.mul_(beta2)
            try v.addcmul_(g, g, value: 1 - beta2)
            let bias1 = 1 - Foundation.pow(beta1, Double(t))
            let bias2 = 1 - Foundation.pow(beta2, Double(t))
            let denom = try v.sqrt() / Foundation.sqrt(bias2) + eps
            try param.addcdiv_(m, denom, value: -group.lr / bias1)
        }
    }

    public func stateDict() throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (i, m) in expAvg {
            state["state.\(i).exp_avg"] = m
            state["state.\(i).exp_avg_sq"] = expAvgSq[i]
            state["state.\(i).step"] = try Tensor([Int64(steps[i] ?? 0)], shape: [])
        }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        expAvg = [:]
        expAvgSq = [:]
        steps = [:]
        for (name, t) in state {
            let parts = name.split(separator: ".")
            guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]) else {
                throw TorchError("AdamW state: unexpected entry '\(name)'")
            }
            switch parts[2] {
            case "exp_avg": expAvg[i] = try loadedState(t, parameter: i)
            case "exp_avg_sq": expAvgSq[i] = try loadedState(t, parameter: i)
            case "step": steps[i] = try t.itemInt()
            default: throw TorchError("AdamW state: unexpected entry '\(name)'")
            }
        }
    }
}
