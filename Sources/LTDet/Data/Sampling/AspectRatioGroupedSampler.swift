/// Batches of images on the same side of square, as mmdet 2.x's `GroupSampler` (every mmdet training run uses
/// it): images with width / height > 1 form one group, the rest the other; each group's share of the base
/// order (which keeps its shuffle and repeats) is padded to a whole number of batches with images drawn at
/// random from the same group, cut into batches, and the batches are shuffled. No batch mixes portrait and
/// landscape images, so batches pad less, and no batch is partial: the epoch grows by at most one batch per
/// group minus one image, as mmdet's does.
///
/// It regroups the order each process already takes from its base sampler, so in a multi-process run every
/// rank groups its own shard (mmdet's `DistributedGroupSampler` pads the groups before sharding instead).
public struct AspectRatioGroupedSampler: Sampler {
    public let base: any Sampler
    /// Per dataset index: true when the image is wider than high (mmdet's `flag` 1).
    public let isLandscape: [Bool]
    public let batchSize: Int
    public let seed: UInt64

    public init(base: any Sampler, isLandscape: [Bool], batchSize: Int, seed: UInt64) {
        precondition(batchSize >= 1, "AspectRatioGroupedSampler: batch size must be positive, got \(batchSize)")
        self.base = base
        self.isLandscape = isLandscape
        self.batchSize = batchSize
        self.seed = seed
    }

    public init(base: any Sampler, dataset: InstanceDataset, batchSize: Int, seed: UInt64) {
        self.init(base: base, isLandscape: dataset.images.map { $0.width > $0.height }, batchSize: batchSize, seed: seed)
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        var generator = SplitMix64(seed: seed, 0x6A09_E667, UInt64(epoch))
        var batches: [[Int]] = []
        for landscape in [false, true] {
            var group = base.indices(forEpoch: epoch).filter { isLandscape[$0] == landscape }
            guard !group.isEmpty else { continue }
            let members = group
            while group.count % batchSize != 0 { group.append(members[generator.nextInt(below: members.count)]) }
            batches += stride(from: 0, to: group.count, by: batchSize).map { Array(group[$0 ..< $0 + batchSize]) }
        }
        batches.deterministicShuffle(using: &generator)
        return batches.flatMap { $0 }
    }
}
