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

    @Test func lvisConfigsGroupAndTheDemoDoesNot() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let lvis = try ExperimentConfig.load(root.appendingPathComponent("configs/mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v1.yaml").path)
        #expect(lvis.data.sampler.groupByAspectRatio && lvis.data.sampler.type == "repeat_factor")
        let demo = try ExperimentConfig.load(root.appendingPathComponent("configs/demo/mask_rcnn_r18_fpn_synth.yaml").path)
        #expect(!demo.data.sampler.groupByAspectRatio)
    }
}
