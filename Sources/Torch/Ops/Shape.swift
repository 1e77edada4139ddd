import CTorch

extension Tensor {
    /// Concatenates along an existing dimension.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [OpaquePointer?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) {
            try .make { ct_cat(handles, Int32(handles.count), Int64(dim), $0) }
        }
    }

    /// Stacks along a new dimension.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [OpaquePointer?] = tensors.map { $0.handle }
        return try withExtendedLifetime(tensors) {
            try .make { ct_stack(handles, Int32(handles.count), Int64(dim), $0) }
        }
    }

    /// Splits into pieces of the given sizes along `dim`.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        var outs = [OpaquePointer?](repeating: nil, count: sizes.count)
        try withDims(sizes) { d, n in try check(ct_split_with_sizes(handle, d, n, Int64(dim), &outs)) }
        return outs.map { Tensor(handle: $0!) }
    }

    /// Splits into pieces of `size` (the last may be smaller).
    public func split(size: Int, dim: Int = 0) throws -> [Tensor] {
        let total = self.size(dim)
        var sizes: [Int] = []
        var left = total
        while left > 0 {
            sizes.append(Swift.min(size, left))
            left -= size
        }
        return try split(sizes: sizes, dim: dim)
    }

    /// Splits into `chunks` nearly equal pieces, as torch.chunk.
    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
        let total = self.size(dim)
        let each = (total + chunks - 1) / chunks
        return try split(size: Swift.max(each, 1), dim: dim)
    }

    public func view(_ shape: [Int]) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_view(handle, d, n, $0) } }
    }

    public func view(_ shape: Int...) throws -> Tensor { try view(shape) }

    public func reshape(_ shape: [Int]) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_reshape(handle, d, n, $0) } }
    }

    public func reshape(_ shape: Int...) throws -> Tensor { try reshape(shape) }

    public func permute(_ dims: [Int]) throws -> Tensor {
        try withDims(dims) { d, n in try .make { ct_permute(handle, d, n, $0) } }
    }

    public func permute(_ dims: Int...) throws -> Tensor { try permute(dims) }

    public func transposed(_ d0: Int, _ d1: Int) throws -> Tensor {
        try .make { ct_transpose(handle, Int64(d0), Int64(d1), $0) }
    }

    /// The matrix transpose of a 2-D tensor.
    public func t() throws -> Tensor { try transposed(0, 1) }

    public func expand(_ shape: [Int]) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_expand(handle, d, n, $0) } }
    }

    public func repeated(_ repeats: [Int]) throws -> Tensor {
        try withDims(repeats) { d, n in try .make { ct_repeat(handle, d, n, $0) } }
    }

    public func repeatInterleave(_ repeats: Int, dim: Int) throws -> Tensor {
        try .make { ct_repeat_interleave(handle, Int64(repeats), Int64(dim), $0) }
    }

    public func squeeze(dim: Int) throws -> Tensor { try .make { ct_squeeze(handle, Int64(dim), $0) } }
    public func unsqueeze(dim: Int) throws -> Tensor { try .make { ct_unsqueeze(handle, Int64(dim), $0) } }

    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        try .make { ct_flatten(handle, Int64(startDim), Int64(endDim), $0) }
    }

    /// `length` elements from `start` along `dim` (a view).
    public func narrow(dim: Int, start: Int, length: Int) throws -> Tensor {
        try .make { ct_narrow(handle, Int64(dim), Int64(start), Int64(length), $0) }
    }

    /// Python's `t[start:end:step]` along `dim` (a view); end is clamped to the size.
    public func slice(dim: Int, start: Int = 0, end: Int = Int.max, step: Int = 1) throws -> Tensor {
        try .make { ct_slice(handle, Int64(dim), Int64(start), Int64(end), Int64(step), $0) }
    }

    /// The `index`-th entry along `dim`, dropping that dimension (a view).
    public func select(dim: Int, index: Int) throws -> Tensor {
        try .make { ct_select(handle, Int64(dim), Int64(index), $0) }
    }

    /// `t[index]` along the first dimension.
    public subscript(index: Int) -> Tensor {
        get throws { try select(dim: 0, index: index) }
    }

    public func flip(_ dims: [Int]) throws -> Tensor {
        try withDims(dims) { d, n in try .make { ct_flip(handle, d, n, $0) } }
    }

    /// Zero (or `value`) padding; `pad` lists (before, after) pairs from the last dimension backwards.
    public func padded(_ pad: [Int], value: Double = 0) throws -> Tensor {
        try withDims(pad) { d, n in try .make { ct_constant_pad(handle, d, n, value, $0) } }
    }

    public func tril(_ diagonal: Int = 0) throws -> Tensor { try .make { ct_tril(handle, Int64(diagonal), $0) } }
    public func triu(_ diagonal: Int = 0) throws -> Tensor { try .make { ct_triu(handle, Int64(diagonal), $0) } }

    /// Grid coordinates with "ij" indexing.
    public static func meshgrid(_ a: Tensor, _ b: Tensor) throws -> (Tensor, Tensor) {
        try make2 { ct_meshgrid_ij(a.handle, b.handle, $0, $1) }
    }
}
