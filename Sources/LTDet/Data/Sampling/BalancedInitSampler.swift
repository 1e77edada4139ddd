/// LOCE's class-balanced set for pre-filling its memory and mean scores before stage 2
/// (fcjian/LOCE `DistributedBalancedSampler`): for each class, in the order classes first appear in the
/// dataset, k images containing it, in dataset order. An image with several classes comes once per class (each
/// pass enqueues its objects again, as in LOCE), and a class with fewer images repeats them to reach k
/// per process. Rank r of W takes images r*k ..< (r+1)*k of each class's list repeated to W*k, so processes
/// see different images of a class while it has enough. The same list every epoch.
public struct BalancedInitSampler: Sampler {
    public let order: [Int]
    public let shard: Shard

    public init(imageCategories: [[Int]], imagesPerClass k: Int = 5, shard: Shard = .single) {
        var classOrder: [Int] = []
        var byClass: [Int: [Int]] = [:]
        for (image, categories) in imageCategories.enumerated() {
            for c in Set(categories).sorted() {
                if byClass[c] == nil { classOrder.append(c) }
                byClass[c, default: []].append(image)
            }
        }
        let total = k * shard.worldSize
        order = classOrder.flatMap { c -> [Int] in
            let images = byClass[c]!
            let repeated = (0..<total).map { images[$0 % images.count] }
            return Array(repeated[(shard.rank * k)..<(shard.rank * k + k)])
        }
        self.shard = shard
    }

    /// The ranks' lists are already disjoint blocks: nothing more to select.
    public func indices(forEpoch epoch: Int) -> [Int] { order }
}
