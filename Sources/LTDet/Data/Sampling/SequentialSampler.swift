/// Dataset order, for testing and feature extraction.
public struct SequentialSampler: Sampler {
    public let count: Int
    public let shard: Shard

    public init(count: Int, shard: Shard = .single) {
        self.count = count
        self.shard = shard
    }

    public func indices(forEpoch epoch: Int) -> [Int] { shard.select(Array(0 ..< count)) }
}
