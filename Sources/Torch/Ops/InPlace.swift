import CTorch

/// In-place updates. Optimisers and initialisers use them inside `withNoGrad` so that autograd
/// does not record the update of a leaf that requires gradients.
extension Tensor {
    public func copy_(_ source: Tensor) throws { try check(ct_copy_(handle, source.handle)) }
    public func zero_() throws { try check(ct_zero_(handle)) }
    public func fill_(_ value: Double) throws { try check(ct_fill_(handle, value)) }
    /// self += alpha * other
    public func add_(_ other: Tensor, alpha: Double = 1) throws { try check(ct_add_(handle, other.handle, alpha)) }
    public func mul_(_ scalar: Double) throws { try check(ct_mul_scalar_(handle, scalar)) }
    public func mul_(_ other: Tensor) throws { try check(ct_mul_(handle, other.handle)) }
    /// self += value * a * b
    public func addcmul_(_ a: Tensor, _ b: Tensor, value: Double = 1) throws {
        try check(ct_addcmul_(handle, a.handle, b.handle, value))
    }
    /// self += value * a / b
    public func addcdiv_(_ a: Tensor, _ b: Tensor, value: Double = 1) throws {
        try check(ct_addcdiv_(handle, a.handle, b.handle, value))
    }
    public func clamp_(min: Double, max: Double) throws { try check(ct_clamp_(handle, min, max)) }
    /// max(self, 0) in place, returning self, as PyTorch's `relu_`/`ReLU(inplace=True)`: no new tensor (and, on
    /// a CPU, no fresh pages to fault in) for an activation nothing else holds. Autograd allows it after a
    /// convolution, a linear layer or a normalisation, none of whose backward passes reads its output.
    @discardableResult public func relu_() throws -> Tensor {
        try check(ct_relu_(handle))
        return self
    }
}
