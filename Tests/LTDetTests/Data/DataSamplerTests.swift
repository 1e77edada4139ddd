import Foundation
import Testing
@testable import LTDet

@Suite struct DataSamplerTests {
    /// 10 images; class 1 is everywhere, class 2 in two images, class 3 in one, image 9 is empty.
    static let imageCategories: [[Int]] = [[1], [1, 2], [1], [1, 3, 3], [1], [1, 2], [1], [1], [1], []]

    @Test func repeatFactorsFollowTheFormula() {
        let factors = RepeatFactors(imageCategories: Self.imageCategories, threshold: 0.3)
        // f_1 = 0.9, f_2 = 0.2, f_3 = 0.1 -> r = 1, sqrt(1.5), sqrt(3)
        #expect(factors.classFactors[1] == 1)
        #expect(abs(factors.classFactors[2]! - 1.5.squareRoot()) < 1e-12)
        #expect(abs(factors.classFactors[3]! - 3.0.squareRoot()) < 1e-12)
        #expect(factors.imageFactors.count == 10)
        #expect(factors.imageFactors[3] == 3.0.squareRoot())
        #expect(factors.imageFactors[9] == 1)
        #expect(factors.ceilRepeats == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1])
        #expect(factors.ceilEpochLength == 13)
        #expect(RepeatFactors(imageCategories: Self.imageCategories, threshold: 0).imageFactors.allSatisfy { $0 == 1 })
    }

    @Test func stochasticRoundingHasTheRightMean() {
        let factors = RepeatFactors(imageCategories: Self.imageCategories, threshold: 0.3)
        let sampler = RepeatFactorSampler(factors: factors, rounding: .stochastic, seed: 4)
        var totals = [Int](repeating: 0, count: 10)
        let epochs = 4000
        for epoch in 0 ..< epochs {
            let repeats = sampler.repeats(forEpoch: epoch)
            for (i, r) in repeats.enumerated() {
                #expect(r == Int(factors.imageFactors[i].rounded(.down)) || r == Int(factors.imageFactors[i].rounded(.up)))
                totals[i] += r
            }
        }
        for i in 0 ..< 10 {
            #expect(abs(Double(totals[i]) / Double(epochs) - factors.imageFactors[i]) < 0.03)
        }
    }

    @Test func repeatFactorEpochContainsEachImageItsRepeatCount() {
        let factors = RepeatFactors(imageCategories: Self.imageCategories, threshold: 0.3)
        for rounding in RepeatFactorSampler.Rounding.allCases {
            let sampler = RepeatFactorSampler(factors: factors, rounding: rounding, seed: 9)
            for epoch in 0 ..< 3 {
                let indices = sampler.indices(forEpoch: epoch)
                let counts = (0 ..< 10).map { i in indices.filter { $0 == i }.count }
                #expect(counts == sampler.repeats(forEpoch: epoch))
            }
            #expect(sampler.indices(forEpoch: 1) == sampler.indices(forEpoch: 1))
            #expect(sampler.indices(forEpoch: 1) != sampler.indices(forEpoch: 2))
        }
    }

    @Test func shardsPartitionTheSharedOrder() {
        let factors = RepeatFactors(imageCategories: Self.imageCategories, threshold: 0.3)
        let full = RepeatFactorSampler(factors: factors, rounding: .stochastic, seed: 2).indices(forEpoch: 5)
        let world = 3
        let parts = (0 ..< world).map {
            RepeatFactorSampler(factors: factors, rounding: .stochastic, seed: 2, shard: Shard(rank: $0, worldSize: world)).indices(forEpoch: 5)
        }
        #expect(Set(parts.map(\.count)).count == 1)
        let padded = full + full.prefix(parts[0].count * world - full.count)
        for (rank, part) in parts.enumerated() {
            #expect(part == stride(from: rank, to: padded.count, by: world).map { padded[$0] })
        }
    }

    /// Every sampler kind, sharded over 2 processes with the shared seed, covers exactly the single-process
    /// epoch: step t of rank k is element 2t + k of the single order (what a 1 x 2 batch holds in its slot k).
    @Test(arguments: ["rfs_ceil", "rfs_stochastic", "class_aware", "shuffled"])
    func twoShardsInterleaveIntoTheSingleProcessEpoch(kind: String) {
        let factors = RepeatFactors(imageCategories: Self.imageCategories, threshold: 0.3)
        func sampler(_ shard: Shard) -> any Sampler {
            switch kind {
            case "rfs_ceil": RepeatFactorSampler(factors: factors, rounding: .ceil, seed: 4, shard: shard)
            case "rfs_stochastic": RepeatFactorSampler(factors: factors, rounding: .stochastic, seed: 4, shard: shard)
            case "class_aware": ClassAwareSampler(imageCategories: Self.imageCategories, seed: 4, shard: shard)
            default: ShuffledSampler(count: Self.imageCategories.count, seed: 4, shard: shard)
            }
        }
        for epoch in 0 ..< 3 {
            let single = sampler(.single).indices(forEpoch: epoch)
            let ranks = (0 ..< 2).map { sampler(Shard(rank: $0, worldSize: 2)).indices(forEpoch: epoch) }
            #expect(ranks[0].count == ranks[1].count)
            let interleaved = zip(ranks[0], ranks[1]).flatMap { [$0, $1] }
            #expect(Array(interleaved.prefix(single.count)) == single)
            // Padding (an odd epoch) repeats the epoch's own beginning, as DistributedSampler does.
            #expect(Array(interleaved.dropFirst(single.count)) == Array(single.prefix(interleaved.count - single.count)))
        }
    }

    @Test func shuffledAndSequentialSamplers() {
        let shuffled = ShuffledSampler(count: 50, seed: 1)
        #expect(shuffled.indices(forEpoch: 0).sorted() == Array(0 ..< 50))
        #expect(shuffled.indices(forEpoch: 0) != shuffled.indices(forEpoch: 1))
        #expect(SequentialSampler(count: 5, shard: Shard(rank: 1, worldSize: 2)).indices(forEpoch: 0) == [1, 3, 0])
    }

    @Test func classAwareSamplerBalancesClasses() {
        var categories = [[Int]](repeating: [1], count: 200)
        categories[7] = [2]
        categories[99] = [3]
        let sampler = ClassAwareSampler(imageCategories: categories, seed: 3)
        let order = sampler.indices(forEpoch: 0)
        #expect(order.count == 200)
        let rare = order.filter { $0 == 7 }.count, rarer = order.filter { $0 == 99 }.count
        #expect(abs(rare - 67) <= 1 && abs(rarer - 67) <= 1)
    }

    /// LOCE's DistributedBalancedSampler: k images per class in order of first appearance, an image once per
    /// class it holds, repeated when a class has fewer, disjoint blocks per rank.
    @Test func balancedInitSamplerTakesFirstImagesPerClass() {
        let categories: [[Int]] = [[1], [1, 2], [1], [2], [3], [2], [1]]
        #expect(BalancedInitSampler(imageCategories: categories, imagesPerClass: 2).order == [0, 1, 1, 3, 4, 4])
        let rank1 = BalancedInitSampler(imageCategories: categories, imagesPerClass: 1, shard: Shard(rank: 1, worldSize: 2))
        #expect(rank1.order == [1, 3, 4])
    }

    @Test func cursorStateResumesExactly() throws {
        let sampler = ShuffledSampler(count: 23, seed: 8)
        var cursor = SamplingCursor(sampler: sampler)
        var reference: [[Int]] = []
        var saved = SamplerState()
        for step in 0 ..< 20 {
            if step == 7 { saved = cursor.state }
            reference.append(cursor.nextBatch(size: 4).indices)
        }
        let data = try JSONEncoder().encode(saved)
        var resumed = SamplingCursor(sampler: sampler, state: try JSONDecoder().decode(SamplerState.self, from: data))
        for step in 7 ..< 20 { #expect(resumed.nextBatch(size: 4).indices == reference[step]) }
        // Epoch boundaries: 23 = 5 full batches + 3.
        #expect(reference[5].count == 3 && reference[6].count == 4)
    }
}
