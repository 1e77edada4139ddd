/// A fresh permutation every epoch from a generator seeded by (seed, epoch) and shared by all
/// ranks, then sharded: uniform image sampling, the "random sampler" baseline.
public struct ShuffledSampler: Sampler {
    public let count: Int
    public let seed: UInt64
    public let shard: Shard

    public init(count: Int, seed: UInt64, shard: Shard = .single) {
        self.count = count
        self.seed = seed
        self.shard = shard
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        var generator = SplitMix64(seed: seed, 0x5A3F, UInt64(epoch))
        var order = Array(0 ..< count)
        order.deterministicShuffle(using: &generator)
        return shard.select(order)
    }
}
