import CTorch

extension Tensor {
    /// Whether autograd records operations on this tensor.
    public var requiresGrad: Bool {
        var r: Int32 = 0
        _ = ct_requires_grad(handle, &r)
        return r != 0
    }

    /// Marks this (leaf) tensor as requiring gradients, or not. Returns self for chaining.
    @discardableResult
    public func requiresGrad(_ flag: Bool) throws -> Tensor {
        try check(ct_set_requires_grad(handle, flag ? 1 : 0))
        return self
    }

    public var isLeaf: Bool {
        var r: Int32 = 0
        _ = ct_is_leaf(handle, &r)
        return r != 0
    }

    /// Back-propagates from this tensor; `gradient` is required unless it has one element.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        try check(ct_backward(handle, gradient?.handle, retainGraph ? 1 : 0))
    }

    /// The accumulated gradient, or nil before any backward pass reached this tensor.
    public var grad: Tensor? {
        var out: OpaquePointer?
        guard ct_get_grad(handle, &out) == 0, let out else { return nil }
        return Tensor(handle: out)
    }

    /// Replaces the accumulated gradient (nil clears it).
    public func setGrad(_ gradient: Tensor?) throws { try check(ct_set_grad(handle, gradient?.handle)) }

    /// Clears the accumulated gradient (as `set_to_none=True`).
    public func zeroGrad() throws { try check(ct_zero_grad(handle)) }

    /// The same data cut off from the autograd graph.
    public func detach() throws -> Tensor { try .make { ct_detach(handle, $0) } }

    /// Gradients of sum(outputs[i] * gradOutputs[i]) with respect to `inputs` (nil for an unused input).
    public static func gradients(
        of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor]? = nil, retainGraph: Bool = false,
        createGraph: Bool = false
    ) throws -> [Tensor?] {
        let outs: [OpaquePointer?] = outputs.map { $0.handle }
        let ins: [OpaquePointer?] = inputs.map { $0.handle }
        let gouts: [OpaquePointer?]? = gradOutputs?.map { $0.handle }
        var grads = [OpaquePointer?](repeating: nil, count: inputs.count)
        try withExtendedLifetime((outputs, inputs, gradOutputs)) {
            try check(
                ct_grad(
                    outs, gouts, Int32(outs.count), ins, Int32(ins.count), retainGraph ? 1 : 0, createGraph ? 1 : 0,
                    &grads))
        }
        return grads.map { $0.map { Tensor(handle: $0) } }
    }
}

/// Whether autograd is recording on this thread (grad mode is per thread, as in libtorch).
public var isGradEnabled: Bool { ct_grad_mode_enabled() != 0 }

/// Runs `body` with autograd recording switched off on this thread, restoring the previous mode after.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_grad_mode_enabled()
    ct_set_grad_mode(0)
    defer { ct_set_grad_mode(previous) }
    return try body()
}

/// Runs `body` with autograd recording switched on (inside a no-grad scope, for example).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_grad_mode_enabled()
    ct_set_grad_mode(1)
    defer { ct_set_grad_mode(previous) }
    return try body()
}
