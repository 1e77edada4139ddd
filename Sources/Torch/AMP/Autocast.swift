import CTorch

/// Automatic mixed precision for the calling thread (torch.autocast): inside `Autocast.enabled`, libtorch runs
/// the ops of its lower-precision list (convolutions, linear layers, matrix products) in a reduced float type
/// and the ops of its fp32 list in float32; parameters stay float32 and their reduced copies are cached until
/// the outermost autocast region ends. The state is per thread and per device type, as in libtorch: enter it
/// on the thread that runs the forward pass.
public enum Autocast {
    /// The reduced type autocast uses on a device when none is named: float16 on CUDA (what mmdet's fp16
    /// training uses), bfloat16 on the CPU (the only reduced type of CPU autocast).
    public static func defaultDType(for device: Device) -> DType {
        switch device {
        case .cpu: .bfloat16
        case .cuda: .float16
        }
    }

    /// Runs `body` with autocast on for `device`'s type (in `dtype`, else `defaultDType(for:)`), then restores
    /// the thread's previous state. Leaving the outermost region clears the cast cache, as torch.autocast's
    /// exit does: the next step casts the updated weights afresh.
    public static func enabled<T>(for device: Device, dtype: DType? = nil, _ body: () throws -> T) throws -> T {
        var state = try current()
        switch device {
        case .cpu:
            state.cpu_enabled = 1
            state.cpu_dtype = (dtype ?? defaultDType(for: device)).rawValue
        case .cuda:
            state.cuda_enabled = 1
            state.cuda_dtype = (dtype ?? defaultDType(for: device)).rawValue
        }
        return try region(state, body)
    }

    /// Runs `body` with autocast off for every device type (mmdet's `force_fp32`, torch.autocast(enabled=False)):
    /// losses and the detection kernels compute in float32 even inside a mixed-precision forward pass. Cast
    /// reduced inputs up with `Tensor.fullPrecision()`: turning autocast off does not change existing tensors.
    public static func disabled<T>(_ body: () throws -> T) throws -> T {
        var state = try current()
        guard state.cpu_enabled != 0 || state.cuda_enabled != 0 else { return try body() }
        state.cpu_enabled = 0
        state.cuda_enabled = 0
        return try region(state, body)
    }

    /// Whether autocast is on for `device`'s type on this thread.
    public static func isEnabled(for device: Device) throws -> Bool {
        let state = try current()
        switch device {
        case .cpu: return state.cpu_enabled != 0
        case .cuda: return state.cuda_enabled != 0
        }
    }

    /// The reduced type autocast uses for `device`'s type on this thread.
    public static func dtype(for device: Device) throws -> DType {
        let state = try current()
        let raw: Int32
        switch device {
        case .cpu: raw = state.cpu_dtype
        case .cuda: raw = state.cuda_dtype
        }
        guard let dtype = DType(rawValue: raw) else { throw TorchError("autocast: unknown scalar type \(raw)") }
        return dtype
    }

    private static func current() throws -> ct_autocast_state {
        var state = ct_autocast_state()
        try check(ct_autocast_get(&state))
        return state
    }

    private static func region<T>(_ state: ct_autocast_state, _ body: () throws -> T) throws -> T {
        let previous = try current()
        var inside = state
        try check(ct_autocast_set(&inside))
        _ = ct_autocast_increment_nesting()
        defer {
            _ = ct_autocast_decrement_nesting()
            var restore = previous
            _ = ct_autocast_set(&restore)
        }
        return try body()
    }
}

extension Tensor {
    /// Float32 for a float16 or bfloat16 tensor (differentiable: the gradient flows back in the reduced type),
    /// the tensor itself otherwise. What mmdet's `force_fp32` does to the inputs of a loss.
    public func fullPrecision() throws -> Tensor {
        dtype == .float16 || dtype == .bfloat16 ? try to(.float32) : self
    }
}
