import CTorch

extension Tensor {
    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        try .make { ct_index_select(handle, Int64(dim), index.handle, $0) }
    }

    /// Advanced indexing along the first dimension: `t[mask]` with a bool mask or `t[indices]` with int64.
    public func index(_ index: Tensor) throws -> Tensor { try .make { ct_index(handle, index.handle, $0) } }

    /// `t[index] = values` (or `+=` when accumulating), in place.
    public func indexPut_(_ index: Tensor, _ values: Tensor, accumulate: Bool = false) throws {
        try check(ct_index_put_(handle, index.handle, values.handle, accumulate ? 1 : 0))
    }

    public func gather(dim: Int, index: Tensor) throws -> Tensor {
        try .make { ct_gather(handle, Int64(dim), index.handle, $0) }
    }

    /// A copy with `src` written at `index` along `dim`.
    public func scatter(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try .make { ct_scatter(handle, Int64(dim), index.handle, src.handle, $0) }
    }

    /// A copy with `src` added at `index` along `dim`.
    public func scatterAdd(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try .make { ct_scatter_add(handle, Int64(dim), index.handle, src.handle, $0) }
    }

    /// A copy with the rows of `src` added at the positions `index` along `dim`.
    public func indexAdd(dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try .make { ct_index_add(handle, Int64(dim), index.handle, src.handle, $0) }
    }

    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor {
        try .make { ct_masked_fill(handle, mask.handle, value, $0) }
    }

    public func maskedSelect(_ mask: Tensor) throws -> Tensor {
        try .make { ct_masked_select(handle, mask.handle, $0) }
    }

    /// Indices of the non-zero elements, one row per element (N x rank, int64).
    /// The number of rows depends on the values: a host read (see `StageProfiler`).
    public func nonzero() throws -> Tensor {
        return try .make { ct_nonzero(handle, $0) }
    }

    /// Counts of each non-negative integer value, optionally weighted.
    public func bincount(weights: Tensor? = nil, minLength: Int = 0) throws -> Tensor {
        try .make { ct_bincount(handle, weights?.handle, Int64(minLength), $0) }
    }

    public func unique(sorted: Bool = true) throws -> Tensor { try .make { ct_unique(handle, sorted ? 1 : 0, $0) } }

    public func oneHot(numClasses: Int) throws -> Tensor { try .make { ct_one_hot(handle, Int64(numClasses), $0) } }
}
