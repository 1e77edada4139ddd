import CTorch

extension Tensor {
    @inline(__always)
    func reduce(_ op: ct_reduce_op, _ dims: [Int], _ keepDim: Bool) throws -> Tensor {
        try withDims(dims) { d, n in try .make { ct_reduce(op, handle, d, n, keepDim ? 1 : 0, $0) } }
    }

    /// Sum over `dims` (all dimensions when empty).
    public func sum(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_SUM, dims, keepDim) }
    public func sum(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(CT_SUM, [dim], keepDim) }
    public func mean(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_MEAN, dims, keepDim)
    }
    public func mean(dim: Int, keepDim: Bool = false) throws -> Tensor { try reduce(CT_MEAN, [dim], keepDim) }
    public func prod(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_PROD, dim.map { [$0] } ?? [], keepDim)
    }
    public func amax(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_AMAX, dims, keepDim) }
    public func amin(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_AMIN, dims, keepDim) }
    public func all(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_ALL, dim.map { [$0] } ?? [], keepDim)
    }
    public func any(dim: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_ANY, dim.map { [$0] } ?? [], keepDim)
    }
    public func logSumExp(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_LOGSUMEXP, dims, keepDim)
    }
    /// Unbiased variance.
    public func variance(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
        try reduce(CT_VAR, dims, keepDim)
    }
    /// Unbiased standard deviation.
    public func std(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_STD, dims, keepDim) }
    /// Euclidean norm over `dims` (all when empty).
    public func norm(_ dims: [Int] = [], keepDim: Bool = false) throws -> Tensor { try reduce(CT_NORM, dims, keepDim) }

    /// Maximum along `dim` with its indices.
    public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try Tensor.make2 { ct_max_dim(handle, Int64(dim), keepDim ? 1 : 0, $0, $1) }
    }

    /// Minimum along `dim` with its indices.
    public func min(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try Tensor.make2 { ct_min_dim(handle, Int64(dim), keepDim ? 1 : 0, $0, $1) }
    }

    /// Largest element (0-dimensional).
    public func max() throws -> Tensor { try amax() }
    /// Smallest element (0-dimensional).
    public func min() throws -> Tensor { try amin() }

    public func argmax(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try .make { ct_argmax(handle, Int64(dim), keepDim ? 1 : 0, $0) }
    }

    public func argmin(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try .make { ct_argmin(handle, Int64(dim), keepDim ? 1 : 0, $0) }
    }

    public func cumsum(dim: Int) throws -> Tensor { try .make { ct_cumsum(handle, Int64(dim), $0) } }
    public func cumprod(dim: Int) throws -> Tensor { try .make { ct_cumprod(handle, Int64(dim), $0) } }

    /// Sorted values and their original indices; `stable` keeps the input order of equal values.
    public func sort(dim: Int = -1, descending: Bool = false, stable: Bool = true) throws
        -> (values: Tensor, indices: Tensor)
    {
        try Tensor.make2 { ct_sort(handle, Int64(dim), descending ? 1 : 0, stable ? 1 : 0, $0, $1) }
    }

    public func argsort(dim: Int = -1, descending: Bool = false, stable: Bool = true) throws -> Tensor {
        try sort(dim: dim, descending: descending, stable: stable).indices
    }

    /// The k largest (or smallest) values along `dim` and their indices.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws
        -> (values: Tensor, indices: Tensor)
    {
        try Tensor.make2 { ct_topk(handle, Int64(k), Int64(dim), largest ? 1 : 0, sorted ? 1 : 0, $0, $1) }
    }
}
