/// A training order over dataset indices. A sampler is a pure function of the epoch: the same
/// sampler and epoch always give the same list, on every rank, so a run restored from a
/// `SamplerState` continues exactly where it stopped.
public protocol Sampler: Sendable {
    /// The dataset indices this rank visits in `epoch` (0-based), in order.
    func indices(forEpoch epoch: Int) -> [Int]
}

/// Which part of the global order a process takes.
public struct Shard: Sendable, Equatable, Codable {
    public let rank: Int
    public let worldSize: Int

    public static let single = Shard(rank: 0, worldSize: 1)

    public init(rank: Int, worldSize: Int) {
        precondition(worldSize >= 1 && (0 ..< worldSize).contains(rank), "Shard: rank \(rank) outside 0..<\(worldSize)")
        self.rank = rank
        self.worldSize = worldSize
    }

    /// Rank k takes every world_size-th index starting at k, after padding the order with its own
    /// beginning to a multiple of the world size (as PyTorch's DistributedSampler does), so every
    /// rank runs the same number of steps.
    public func select(_ order: [Int]) -> [Int] {
        guard worldSize > 1, !order.isEmpty else { return order }
        var padded = order
        let total = (order.count + worldSize - 1) / worldSize * worldSize
        var k = 0
        while padded.count < total { padded.append(order[k % order.count]); k += 1 }
        return stride(from: rank, to: total, by: worldSize).map { padded[$0] }
    }
}
