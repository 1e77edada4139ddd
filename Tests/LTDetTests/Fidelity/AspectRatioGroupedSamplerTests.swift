import Foundation
import Testing
@testable import LTDet

/// mmdet's `GroupSampler`: batches of one orientation, each group padded from itself to whole batches.
@Suite struct AspectRatioGroupedSamplerTests {
    @Test func batchesHaveOneOrientationAndKeepEveryImage() {
        var generator = SplitMix64(seed: 7)
        let isLandscape = (0..<53).map { _ in generator.nextUnit() < 0.6 }
        let base = ShuffledSampler(count: isLandscape.count, seed: 3)
        for batchSize in [1, 2, 4] {
            let sampler = AspectRatioGroupedSampler(base: base, isLandscape: isLandscape, batchSize: batchSize, seed: 3)
            for epoch in 0..<3 {
                let order = sampler.indices(forEpoch: epoch)
                #expect(order == sampler.indices(forEpoch: epoch))
                #expect(order.count % batchSize == 0)
                for start in stride(from: 0, to: order.count, by: batchSize) {
                    #expect(Set(order[start..<start + batchSize].map { isLandscape[$0] }).count == 1)
                }
                let counts = Dictionary(order.map { ($0, 1) }, uniquingKeysWith: +)
                #expect(base.indices(forEpoch: epoch).allSatisfy { counts[$0, default: 0] >= 1 })
                for landscape in [false, true] {
                    let groupSize = isLandscape.filter { $0 == landscape }.count
                    let padded = (groupSize + batchSize - 1) / batchSize * batchSize
                    #expect(order.filter { isLandscape[$0] == landscape }.count == padded)
                }
            }
        }
    }

    /// Several processes as mmdet's `DistributedGroupSampler`: every rank regroups the same global order, each
    /// group padded by repeating itself from the start to a multiple of batch x world size, and rank k takes the
    /// k-th slice: equal lengths (mmdet's `num_samples`), one orientation per batch, and the ranks together hold
    /// each group's padded list exactly.
    @Test func ranksSliceTheGroupedGlobalOrderAsDistributedGroupSampler() {
        var generator = SplitMix64(seed: 11)
        let isLandscape = (0..<53).map { _ in generator.nextUnit() < 0.6 }
        let base = ShuffledSampler(count: isLandscape.count, seed: 3)
        for worldSize in [2, 3] {
            for batchSize in [1, 2, 4] {
                for epoch in 0..<2 {
                    let orders = (0..<worldSize).map {
                        AspectRatioGroupedSampler(
                            base: base, isLandscape: isLandscape, batchSize: batchSize, seed: 3,
                            shard: Shard(rank: $0, worldSize: worldSize)
                        ).indices(forEpoch: epoch)
                    }
                    let sizes = [false, true].map { side in isLandscape.filter { $0 == side }.count }
                    let numSamples = sizes.reduce(0) { total, size in
                        total + (size + batchSize * worldSize - 1) / (batchSize * worldSize) * batchSize
                    }
                    #expect(orders.allSatisfy { $0.count == numSamples })
                    for order in orders {
                        for start in stride(from: 0, to: order.count, by: batchSize) {
                            #expect(Set(order[start..<start + batchSize].map { isLandscape[$0] }).count == 1)
                        }
                    }
                    let all = orders.flatMap { $0 }
                    for side in [false, true] {
                        let members = base.indices(forEpoch: epoch).filter { isLandscape[$0] == side }
                        let total = (members.count + batchSize * worldSize - 1) / (batchSize * worldSize) * batchSize * worldSize
                        let padded = (0..<total).map { members[$0 % members.count] }
                        #expect(all.filter { isLandscape[$0] == side }.sorted() == padded.sorted())
                    }
                }
            }
        }
    }

    @Test func lvisConfigsGroupAndTheDemoDoesNot() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let lvis = try ExperimentConfig.load(root.appendingPathComponent("configs/mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v1.yaml").path)
        #expect(lvis.data.sampler.groupByAspectRatio && lvis.data.sampler.type == "repeat_factor")
        let demo = try ExperimentConfig.load(root.appendingPathComponent("configs/demo/mask_rcnn_r18_fpn_synth.yaml").path)
        #expect(!demo.data.sampler.groupByAspectRatio)
    }
}
