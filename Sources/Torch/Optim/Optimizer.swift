import CTorch

/// A set of parameters with its own hyper-parameters (as PyTorch's param_groups).
public final class ParameterGroup: @unchecked Sendable {
    public let parameters: [Parameter]
    /// The learning rate in force; schedules set it every iteration from `initialLR`.
    public var lr: Double
    public let initialLR: Double
    public var weightDecay: Double

    public init(_ parameters: [Parameter], lr: Double, weightDecay: Double = 0) {
        self.parameters = parameters
        self.lr = lr
        self.initialLR = lr
        self.weightDecay = weightDecay
    }
}

/// An optimiser updates parameters from their gradients and can save and restore its state.
public protocol Optimizer: AnyObject {
    var groups: [ParameterGroup] { get }
    func step() throws
    /// Optimiser state (momentum buffers, moments, step counts) by name, for checkpoints.
    func stateDict() throws -> [String: Tensor]
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every gradient (set to none, as PyTorch's default).
    public func zeroGrad() throws {
        for g in groups { for p in g.parameters { try p.wrappedValue.zeroGrad() } }
    }

    public var allParameters: [Parameter] { groups.flatMap(\.parameters) }

    /// A copy of a loaded state tensor on the device of the parameter it belongs to (checkpoints hold CPU
    /// tensors; a run on CUDA resumes from them), or on its own device for an index beyond the parameters.
    func loadedState(_ t: Tensor, parameter index: Int) throws -> Tensor {
        let parameters = allParameters
        let device = index < parameters.count ? parameters[index].wrappedValue.device : t.device
        return t.device == device ? try t.clone() : try t.to(device)
    }

    /// Visits every parameter that has a gradient, outside autograd, with its position over all groups (the
    /// key of its optimiser state, as PyTorch numbers them), its group, its tensor and its gradient.
    public func forEachParameterWithGradient(
        _ body: (_ index: Int, _ group: ParameterGroup, _ parameter: Tensor, _ gradient: Tensor) throws -> Void
    ) throws {
        try withNoGrad {
            var index = 0
            for group in groups {
                for p in group.parameters {
                    defer { index += 1 }
                    guard let gradient = p.wrappedValue.grad else { continue }
                    try body(index, group, p.wrappedValue, gradient)
                }
            }
        }
    }
}

/// Scales all gradients so that their joint norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Parameter], maxNorm: Double, normType: Double = 2) throws -> Double {
    let handles: [OpaquePointer?] = parameters.map { $0.wrappedValue.handle }
    var total: Double = 0
    try withExtendedLifetime(parameters) {
        try check(ct_clip_grad_norm(handles, Int32(handles.count), maxNorm, normType, &total))
    }
    return total
}
