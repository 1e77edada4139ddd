/// Batches of images on the same side of square, as mmdet 2.x's group samplers (every mmdet training run uses
/// one): images with width / height > 1 form one group, the rest the other, and each group's share of the base
/// order (which keeps its shuffle and repeats) is padded from itself to whole batches, cut into batches, and the
/// batches are shuffled. No batch mixes portrait and landscape images, so batches pad less, and no batch is
/// partial.
///
/// One process (`GroupSampler`): each group is padded to a multiple of the batch with images drawn at random
/// from it. Several (`DistributedGroupSampler`): the base order is the same on every rank and not sharded; each
/// group is padded to a multiple of batch x world size by repeating its own order from the start, the batches are
/// shuffled by a generator every rank shares, and rank k takes the k-th contiguous slice of the result, so every
/// rank runs the same number of steps and each group is split across the ranks rather than regrouped per rank.
public struct AspectRatioGroupedSampler: Sampler {
    /// The global order, the same on every rank (its own shard must be `.single`).
    public let base: any Sampler
    /// Per dataset index: true when the image is wider than high (mmdet's `flag` 1).
    public let isLandscape: [Bool]
    public let batchSize: Int
    public let seed: UInt64
    public let shard: Shard

    public init(base: any Sampler, isLandscape: [Bool], batchSize: Int, seed: UInt64, shard: Shard = .single) {
        precondition(batchSize >= 1, "AspectRatioGroupedSampler: batch size must be positive, got \(batchSize)")
        self.base = base
        self.isLandscape = isLandscape
        self.batchSize = batchSize
        self.seed = seed
        self.shard = shard
    }

    public init(base: any Sampler, dataset: InstanceDataset, batchSize: Int, seed: UInt64, shard: Shard = .single) {
        self.init(
            base: base, isLandscape: dataset.images.map { $0.width > $0.height }, batchSize: batchSize, seed: seed,
            shard: shard)
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        var generator = SplitMix64(seed: seed, 0x6A09_E667, UInt64(epoch))
        let order = base.indices(forEpoch: epoch)
        let multiple = batchSize * shard.worldSize
        var batches: [[Int]] = []
        for landscape in [false, true] {
            let members = order.filter { isLandscape[$0] == landscape }
            guard !members.isEmpty else { continue }
            var group = members
            let padded = (members.count + multiple - 1) / multiple * multiple
            while group.count < padded {
                group.append(shard.worldSize == 1
                    ? members[generator.nextInt(below: members.count)]  // GroupSampler: np.random.choice
                    : members[group.count % members.count])  // DistributedGroupSampler: the group again from its start
            }
            batches += stride(from: 0, to: group.count, by: batchSize).map { Array(group[$0 ..< $0 + batchSize]) }
        }
        batches.deterministicShuffle(using: &generator)
        let perRank = batches.count / shard.worldSize
        return batches[shard.rank * perRank ..< (shard.rank + 1) * perRank].flatMap { $0 }
    }
}
