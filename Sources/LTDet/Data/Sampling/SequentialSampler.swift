/// Dataset order, for testing and feature extraction.
public struct SequentialSampler: Sampler {
    public let count: Int
    public let shard: Shard
    /// Whether the shards are padded to equal length (a training shard: every rank must run as many steps,
    /// because each step ends in a collective). Inference shards are not: ranks may differ by one image, and
    /// no image is predicted twice.
    public let padsShards: Bool

    public init(count: Int, shard: Shard = .single, padsShards: Bool = true) {
        self.count = count
        self.shard = shard
        self.padsShards = padsShards
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        padsShards ? shard.select(Array(0 ..< count)) : Array(stride(from: shard.rank, to: count, by: shard.worldSize))
    }
}
