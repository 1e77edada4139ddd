/// Repeat factor sampling (docs/methods.md) with either rounding:
/// - `ceil` (MMDetection's ClassBalancedDataset): image i appears ceil(r_I) times in every epoch;
///   the repeated list is shuffled per epoch.
/// - `stochastic` (Detectron2, RIO): each epoch draws floor(r_I) + Bernoulli(r_I - floor(r_I))
///   repeats per image, then shuffles.
/// The generator is seeded by (seed, epoch) and shared by all ranks; rank k then takes every
/// world_size-th index of the epoch's order.
public struct RepeatFactorSampler: Sampler {
    public enum Rounding: String, Sendable, Codable, CaseIterable { case ceil, stochastic }

    public let factors: RepeatFactors
    public let rounding: Rounding
    public let seed: UInt64
    public let shard: Shard

    public init(factors: RepeatFactors, rounding: Rounding, seed: UInt64, shard: Shard = .single) {
        self.factors = factors
        self.rounding = rounding
        self.seed = seed
        self.shard = shard
    }

    /// How often each image appears in `epoch` (before sharding).
    public func repeats(forEpoch epoch: Int) -> [Int] {
        switch rounding {
        case .ceil:
            return factors.ceilRepeats
        case .stochastic:
            var generator = SplitMix64(seed: seed, 0x12F5, UInt64(epoch))
            return factors.stochasticRepeats(using: &generator)
        }
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        var order: [Int] = []
        for (image, count) in repeats(forEpoch: epoch).enumerated() {
            for _ in 0 ..< count { order.append(image) }
        }
        var generator = SplitMix64(seed: seed, 0x5A3F, UInt64(epoch))
        order.deterministicShuffle(using: &generator)
        return shard.select(order)
    }
}
