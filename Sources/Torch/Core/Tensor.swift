import CTorch

/// An n-dimensional array owned by libtorch. The Swift object owns exactly one libtorch handle and releases
/// it in `deinit`; views share storage the way libtorch's do. Every operation that libtorch can reject
/// throws a `TorchError` with libtorch's message instead of aborting the process.
public final class Tensor: @unchecked Sendable {
    // @unchecked: a libtorch tensor's reference count is atomic; handing a tensor to another thread is safe,
    // mutating one tensor from two threads at once is not (as in PyTorch).
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { ct_free(handle) }

    /// Runs a CTorch call that produces one tensor.
    @inline(__always)
    static func make(_ body: (UnsafeMutablePointer<OpaquePointer?>) -> Int32) throws -> Tensor {
        var out: OpaquePointer?
        try check(body(&out))
        return Tensor(handle: out!)
    }

    /// Runs a CTorch call that produces two tensors (values and indices, ...).
    @inline(__always)
    static func make2(
        _ body: (UnsafeMutablePointer<OpaquePointer?>, UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) throws -> (Tensor, Tensor) {
        var a: OpaquePointer?
        var b: OpaquePointer?
        try check(body(&a, &b))
        return (Tensor(handle: a!), Tensor(handle: b!))
    }

    // MARK: metadata

    public var rank: Int {
        var d: Int64 = 0
        _ = ct_dim(handle, &d)
        return Int(d)
    }

    public var shape: [Int] {
        let n = rank
        var dims = [Int64](repeating: 0, count: n)
        _ = ct_sizes(handle, &dims)
        return dims.map(Int.init)
    }

    public var strides: [Int] {
        let n = rank
        var s = [Int64](repeating: 0, count: n)
        _ = ct_strides(handle, &s)
        return s.map(Int.init)
    }

    public var dtype: DType {
        var t: Int32 = 0
        _ = ct_scalar_type(handle, &t)
        return DType(rawValue: t) ?? .float32
    }

    public var device: Device {
        var d: Int32 = -1
        _ = ct_device(handle, &d)
        return Device(code: d)
    }

    public var count: Int {
        var n: Int64 = 0
        _ = ct_numel(handle, &n)
        return Int(n)
    }

    public var isContiguous: Bool {
        var c: Int32 = 0
        _ = ct_is_contiguous(handle, &c)
        return c != 0
    }

    /// Size of one dimension; negative indices count from the end.
    public func size(_ dim: Int) -> Int {
        let s = shape
        return s[dim < 0 ? s.count + dim : dim]
    }

    // MARK: conversion

    public func to(_ dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        return try .make { ct_to(handle, dtype.rawValue, device.code, $0) }
    }

    public func to(_ device: Device) throws -> Tensor {
        if device == self.device { return self }
        return try .make { ct_to(handle, dtype.rawValue, device.code, $0) }
    }

    public func to(_ dtype: DType, _ device: Device) throws -> Tensor {
        try .make { ct_to(handle, dtype.rawValue, device.code, $0) }
    }

    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        return try .make { ct_contiguous(handle, $0) }
    }

    public func clone() throws -> Tensor { try .make { ct_clone(handle, $0) } }

    /// The value of a one-element tensor.
    public func item() throws -> Double {
        var v: Double = 0
        try check(ct_item_double(handle, &v))
        return v
    }

    public func itemInt() throws -> Int {
        var v: Int64 = 0
        try check(ct_item_int64(handle, &v))
        return Int(v)
    }

    /// All elements in row-major order, converted to `T`.
    public func toArray<T: TensorElement>(_ type: T.Type = T.self) throws -> [T] {
        let n = count
        // Bool is stored as one byte in libtorch and in Swift, so it copies like the other types.
        return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            try check(ct_copy_to_buffer(handle, T.dtype.rawValue, buffer.baseAddress, n * MemoryLayout<T>.stride))
            initialized = n
        }
    }

    /// Calls `body` with the raw bytes of a contiguous CPU copy of this tensor.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let cpu = try to(.cpu).contiguous()
        var ptr: UnsafeMutableRawPointer?
        try check(ct_data_ptr(cpu.handle, &ptr))
        let bytes = cpu.count * cpu.dtype.byteSize
        return try withExtendedLifetime(cpu) {
            try body(UnsafeRawBufferPointer(start: bytes == 0 ? nil : ptr, count: bytes))
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        var s: UnsafeMutablePointer<CChar>?
        guard ct_to_string(handle, &s) == 0, let s else { return "Tensor(<unprintable>)" }
        defer { ct_free_string(s) }
        return String(cString: s)
    }
}

/// Passes `[Int]` dimensions to C as `int64_t*` without copying (Int is 64-bit on every supported platform).
@inline(__always)
func withDims<R>(_ dims: [Int], _ body: (UnsafePointer<Int64>?, Int32) throws -> R) rethrows -> R {
    try dims.withUnsafeBufferPointer { buf in
        try buf.withMemoryRebound(to: Int64.self) { try body($0.baseAddress, Int32(dims.count)) }
    }
}
