/// Class-aware (class-balanced) sampling (Shen et al., Relay Backpropagation, 2016; MMDetection's
/// ClassAwareSampler): each draw picks the next class from a shuffled cycle over all classes with
/// images, then the next image from that class's own shuffled cycle, so every class is seen
/// equally often regardless of its frequency. An epoch has as many draws as the dataset has images.
public struct ClassAwareSampler: Sampler {
    /// Dataset indices containing each class, classes in a fixed order.
    public let imagesPerClass: [[Int]]
    public let epochLength: Int
    public let seed: UInt64
    public let shard: Shard

    /// - Parameter imageCategories: the category ids annotated in each image.
    public init(imageCategories: [[Int]], seed: UInt64, shard: Shard = .single) {
        var byClass: [Int: [Int]] = [:]
        for (image, categories) in imageCategories.enumerated() {
            for c in Set(categories) { byClass[c, default: []].append(image) }
        }
        imagesPerClass = byClass.keys.sorted().map { byClass[$0]! }
        epochLength = imageCategories.count
        self.seed = seed
        self.shard = shard
    }

    public func indices(forEpoch epoch: Int) -> [Int] {
        guard !imagesPerClass.isEmpty else { return [] }
        var generator = SplitMix64(seed: seed, 0xCA5, UInt64(epoch))
        var classCycle: [Int] = []
        var imageCycles = imagesPerClass.map { _ in [Int]() }
        var order: [Int] = []
        order.reserveCapacity(epochLength)
        while order.count < epochLength {
            if classCycle.isEmpty {
                classCycle = Array(imagesPerClass.indices)
                classCycle.deterministicShuffle(using: &generator)
            }
            let c = classCycle.removeLast()
            if imageCycles[c].isEmpty {
                imageCycles[c] = imagesPerClass[c]
                imageCycles[c].deterministicShuffle(using: &generator)
            }
            order.append(imageCycles[c].removeLast())
        }
        return shard.select(order)
    }
}
