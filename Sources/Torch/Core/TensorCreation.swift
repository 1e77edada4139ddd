import CTorch

extension Tensor {
    /// A tensor holding a copy of `values`, reshaped to `shape` (default: one dimension).
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int]? = nil, device: Device = .cpu) throws {
        let dims = shape ?? [values.count]
        guard dims.reduce(1, *) == values.count else {
            throw TorchError("Tensor(_:shape:): \(values.count) values do not fill shape \(dims)")
        }
        var out: OpaquePointer?
        try values.withUnsafeBytes { raw in
            try withDims(dims) { try check(ct_from_buffer(raw.baseAddress, $0, $1, T.dtype.rawValue, &out)) }
        }
        if device != .cpu {
            let cpu = Tensor(handle: out!)
            var moved: OpaquePointer?
            try check(ct_to(cpu.handle, T.dtype.rawValue, device.code, &moved))
            self.init(handle: moved!)
        } else {
            self.init(handle: out!)
        }
    }

    /// A zero-dimensional tensor.
    public convenience init(scalar: Double, dtype: DType = .float32, device: Device = .cpu) throws {
        var out: OpaquePointer?
        try check(ct_scalar_tensor(scalar, dtype.rawValue, device.code, &out))
        self.init(handle: out!)
    }

    public static func empty(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_empty(d, n, dtype.rawValue, device.code, $0) } }
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_zeros(d, n, dtype.rawValue, device.code, $0) } }
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_ones(d, n, dtype.rawValue, device.code, $0) } }
    }

    public static func full(
        _ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu
    ) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_full(d, n, value, dtype.rawValue, device.code, $0) } }
    }

    public static func arange(
        _ start: Double, _ end: Double, step: Double = 1, dtype: DType = .int64, device: Device = .cpu
    ) throws -> Tensor {
        try .make { ct_arange(start, end, step, dtype.rawValue, device.code, $0) }
    }

    public static func arange(_ end: Int, dtype: DType = .int64, device: Device = .cpu) throws -> Tensor {
        try arange(0, Double(end), dtype: dtype, device: device)
    }

    public static func linspace(
        _ start: Double, _ end: Double, steps: Int, dtype: DType = .float32, device: Device = .cpu
    ) throws -> Tensor {
        try .make { ct_linspace(start, end, Int64(steps), dtype.rawValue, device.code, $0) }
    }

    public static func eye(_ n: Int, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try .make { ct_eye(Int64(n), dtype.rawValue, device.code, $0) }
    }

    public func zerosLike() throws -> Tensor { try .zeros(shape, dtype: dtype, device: device) }
    public func onesLike() throws -> Tensor { try .ones(shape, dtype: dtype, device: device) }
    public func fullLike(_ value: Double) throws -> Tensor { try .full(shape, value, dtype: dtype, device: device) }
}
