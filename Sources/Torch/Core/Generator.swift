import CTorch

/// A seeded random number generator (libtorch's CPU Philox/MT generator). LTDet gives each component that
/// draws random numbers (sampler, augmentation, memory banks, initialisation) its own generator so that a
/// run is reproducible and its state can be checkpointed and restored.
public final class Generator: @unchecked Sendable {
    let handle: OpaquePointer

    public init(seed: UInt64) throws {
        var g: OpaquePointer?
        try check(ct_generator_new(seed, &g))
        handle = g!
    }

    deinit { ct_generator_free(handle) }

    /// The generator's full state as a uint8 tensor (for checkpoints).
    public func state() throws -> Tensor { try .make { ct_generator_get_state(handle, $0) } }

    public func setState(_ state: Tensor) throws { try check(ct_generator_set_state(handle, state.handle)) }
}

extension Tensor {
    /// Uniform samples in [0, 1). Drawn on the CPU then moved, so a seed gives the same values on any device.
    public static func rand(
        _ shape: [Int], dtype: DType = .float32, device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try withDims(shape) { d, n in
            try .make { ct_rand(d, n, dtype.rawValue, device.code, generator?.handle, $0) }
        }
    }

    /// Standard normal samples.
    public static func randn(
        _ shape: [Int], dtype: DType = .float32, device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try withDims(shape) { d, n in
            try .make { ct_randn(d, n, dtype.rawValue, device.code, generator?.handle, $0) }
        }
    }

    /// Integers uniformly drawn from low..<high (int64).
    public static func randint(
        _ low: Int, _ high: Int, _ shape: [Int], device: Device = .cpu, generator: Generator? = nil
    ) throws -> Tensor {
        try withDims(shape) { d, n in
            try .make { ct_randint(Int64(low), Int64(high), d, n, device.code, generator?.handle, $0) }
        }
    }

    /// A random permutation of 0..<n (int64).
    public static func randperm(_ n: Int, device: Device = .cpu, generator: Generator? = nil) throws -> Tensor {
        try .make { ct_randperm(Int64(n), device.code, generator?.handle, $0) }
    }

    /// Fills this tensor in place with U(low, high) samples (no autograd record).
    public func uniform_(_ low: Double = 0, _ high: Double = 1, generator: Generator? = nil) throws {
        try check(ct_uniform_(handle, low, high, generator?.handle))
    }

    /// Fills this tensor in place with N(mean, std) samples (no autograd record).
    public func normal_(mean: Double = 0, std: Double = 1, generator: Generator? = nil) throws {
        try check(ct_normal_(handle, mean, std, generator?.handle))
    }

    /// Draws `count` indices per row from the (unnormalised) probabilities of this tensor.
    public func multinomial(_ count: Int, replacement: Bool, generator: Generator? = nil) throws -> Tensor {
        try .make { ct_multinomial(handle, Int64(count), replacement ? 1 : 0, generator?.handle, $0) }
    }

    /// 1 with probability p (this tensor's values), else 0.
    public func bernoulli(generator: Generator? = nil) throws -> Tensor {
        try .make { ct_bernoulli(handle, generator?.handle, $0) }
    }
}
