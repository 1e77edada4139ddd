import CTorch

/// A group of cooperating processes on libtorch's c10d (TCPStore rendezvous, Gloo backend): the collectives
/// that data-parallel training needs. Every call blocks until all processes have joined it or the timeout
/// passes; a failure (a peer that died, a timeout) throws a `TorchError` that names this process's rank.
/// Every process must issue the same collectives in the same order.
public final class ProcessGroup: @unchecked Sendable {
    let handle: OpaquePointer
    public let rank: Int
    public let worldSize: Int

    /// Gradient buckets of 25 MiB, DDP's default: large enough to amortise a collective's latency.
    public static let defaultBucketBytes = 25 << 20

    /// Joins the group whose TCPStore listens at `masterAddress:masterPort`. The store is hosted by rank 0
    /// unless `hostStore` says otherwise (torchrun's agent already hosts one). `storePrefix` separates the
    /// keys of successive attempts that share one store. `networkInterface` (PyTorch's GLOO_SOCKET_IFNAME)
    /// names the interface the processes reach each other through; nil: loopback when the master address
    /// is, else the address of this host's name.
    public init(
        masterAddress: String, masterPort: Int, rank: Int, worldSize: Int, hostStore: Bool? = nil,
        storePrefix: String = "ltdet/", networkInterface: String? = nil, timeoutSeconds: Double = 300
    ) throws {
        guard worldSize >= 1, (0 ..< worldSize).contains(rank) else {
            throw TorchError("process group: rank \(rank) outside 0..<\(worldSize)")
        }
        guard (1 ... 65535).contains(masterPort) else {
            throw TorchError("process group: master port \(masterPort) outside 1...65535")
        }
        var g: OpaquePointer?
        try check(
            ct_process_group_new(
                masterAddress, Int32(masterPort), Int32(rank), Int32(worldSize), (hostStore ?? (rank == 0)) ? 1 : 0,
                storePrefix, networkInterface, Int64(timeoutSeconds * 1000), &g))
        handle = g!
        self.rank = rank
        self.worldSize = worldSize
    }

    deinit { ct_process_group_free(handle) }

    /// Sums each tensor over all processes in place, then multiplies by `scale` (`1 / worldSize` averages).
    /// Tensors are reduced together in flat buckets of up to `bucketBytes`.
    public func allReduceSum(_ tensors: [Tensor], scale: Double = 1, bucketBytes: Int = defaultBucketBytes) throws {
        guard !tensors.isEmpty else { return }
        var handles: [OpaquePointer?] = tensors.map(\.handle)
        try check(ct_process_group_all_reduce_sum(handle, &handles, Int64(handles.count), Int64(bucketBytes), scale))
        withExtendedLifetime(tensors) {}
    }

    /// The element-wise sum of `tensor` over all processes, as a new tensor.
    public func sum(_ tensor: Tensor) throws -> Tensor {
        let result = try tensor.detach().clone()
        try allReduceSum([result])
        return result
    }

    /// Every process's `tensor` concatenated along dimension 0 in rank order (row counts may differ).
    public func gather(_ tensor: Tensor) throws -> Tensor {
        try .make { ct_process_group_all_gather_cat(handle, tensor.handle, $0) }
    }

    /// Overwrites each tensor in place (outside autograd) with the values of process `root`.
    public func broadcast(_ tensors: [Tensor], root: Int = 0) throws {
        guard !tensors.isEmpty else { return }
        var handles: [OpaquePointer?] = tensors.map(\.handle)
        try check(ct_process_group_broadcast(handle, &handles, Int64(handles.count), Int32(root)))
        withExtendedLifetime(tensors) {}
    }

    /// Returns once every process has reached it.
    public func barrier() throws { try check(ct_process_group_barrier(handle)) }
}
