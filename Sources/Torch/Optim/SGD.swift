/// Stochastic gradient descent with momentum, weight decay and Nesterov, step for step as torch.optim.SGD:
/// d = g + wd * p; b = m * b + (1 - dampening) * d (b = d on the first step); d = nesterov ? d + m * b : b;
/// p -= lr * d.
public final class SGD: Optimizer {
    public let groups: [ParameterGroup]
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    private var momentumBuffers: [Int: Tensor] = [:]

    public init(groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) {
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public convenience init(
        _ parameters: [Parameter], lr: Double, momentum: Double = 0, weightDecay: Double = 0, nesterov: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(parameters, lr: lr, weightDecay: weightDecay)], momentum: momentum,
            nesterov: nesterov)
    }

    public func step() throws {
        try forEachParameterWithGradient { index, group, param, gradient in
            var d = gradient
            if group.weightDecay != 0 { d = try d.adding(param, alpha: group.weightDecay) }
            if momentum != 0 {
                if let buffer = momentumBuffers[index] {
                    try buffer.mul_(momentum)
                    try buffer.add_(d, alpha: 1 - dampening)
                    d = nesterov ? try d.adding(buffer, alpha: momentum) : buffer
                } else {
                    let buffer = try d.clone()
                    momentumBuffers[index] = buffer
                    d = nesterov ? try d.adding(buffer, alpha: momentum) : buffer
                }
            }
            try param.add_(d, alpha: -group.lr)
        }
    }

    public func stateDict() throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (i, b) in momentumBuffers { state["state.\(i).momentum_buffer"] = b }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        momentumBuffers = [:]
        let count = groups.reduce(0) { $0 + $1.parameters.count }
        for (name, t) in state {
            let parts = name.split(separator: ".")
            guard parts.count == 3, parts[0] == "state", parts[2] == "momentum_buffer", let i = Int(parts[1]),
                i < count
            else { throw TorchError("SGD state: unexpected entry '\(name)' for \(count) parameters") }
            momentumBuffers[i] = try loadedState(t, parameter: i)
        }
    }
}
