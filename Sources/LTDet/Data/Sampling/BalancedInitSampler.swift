/// LOCE's class-balanced set for pre-filling its memory and mean scores before stage 2: the first
/// k images (in dataset order) containing each class, classes in id order, each image once. The
/// same list every epoch; ranks split it.
public struct BalancedInitSampler: Sampler {
    public let order: [Int]
    public let shard: Shard

    public init(imageCategories: [[Int]], imagesPerClass k: Int = 5, shard: Shard = .single) {
        var byClass: [Int: [Int]] = [:]
        for (image, categories) in imageCategories.enumerated() {
            for c in Set(categories) where byClass[c, default: []].count < k { byClass[c, default: []].append(image) }
        }
        var seen = Set<Int>()
        order = byClass.keys.sorted().flatMap { byClass[$0]! }.filter { seen.insert($0).inserted }
        self.shard = shard
    }

    public func indices(forEpoch epoch: Int) -> [Int] { shard.select(order) }
}
