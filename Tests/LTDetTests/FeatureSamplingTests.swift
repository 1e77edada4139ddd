import Foundation
import Testing
import Torch

@testable import LTDet

/// LOCE's memory-augmented feature sampling (MFS) inside the detector: what it remembers, what it replays,
/// that the replayed rows reach EBL and the box losses. Exact values are checked against an independent Python
/// implementation by scripts/reference/check_mfs.sh.
@Suite struct FeatureSamplingTests {
    init() { RecordingComponent.register() }

    func config(queueSize: Int = 20) -> MaskRCNNConfig {
        var config = MaskRCNNConfig.demo(numClasses: 3)
        config.trainCfg.rpnProposal = ProposalConfig(nmsPre: 100, maxPerImage: 50)
        config.roiHead.bboxHead.lossCls = .equilibrium(EquilibriumLossConfig())
        config.roiHead.longTail = [
            LongTailComponentConfig(type: "TestRecorder", options: ["replay_positives": .bool(false)]),
            LongTailComponentConfig(type: "MFS", options: ["queue_size": .int(queueSize)]),
        ]
        return config
    }

    func parts(_ model: MaskRCNN) throws -> (RecordingComponent, MemoryAugmentedFeatureSampling) {
        (try #require(model.roiHead.longTailComponents[0] as? RecordingComponent),
         try #require(model.roiHead.longTailComponents[1] as? MemoryAugmentedFeatureSampling))
    }

    @Test func needsTheEquilibriumLossAndValidSizes() throws {
        var c = config()
        c.roiHead.bboxHead.lossCls = .crossEntropy(CrossEntropyLossConfig())
        #expect(throws: (any Error).self) { try MaskRCNN(config: c, seed: 1) }
        c = config(queueSize: 0)
        #expect(throws: (any Error).self) { try MaskRCNN(config: c, seed: 1) }
        c = config()
        c.roiHead.longTail = [LongTailComponentConfig(type: "MFS", options: ["queue": .int(3)])]
        #expect(throws: (any Error).self) { try MaskRCNN(config: c, seed: 1) }
    }

    /// Every corner moves away from or towards the box centre by its pattern's sign, by at most a sixth of the
    /// box side, and stays inside the image.
    @Test func jitteredBoxesFollowTheSignPatternsAndStayInTheImage() throws {
        let boxes = try Tensor([Float(2), 3, 30, 40, 50, 10, 63, 62], shape: [2, 4])
        let uniforms = try Tensor.rand([4, 16], generator: Generator(seed: 7))
        let jittered = try MFSBoxJitter.jitter(boxes: boxes, uniforms: uniforms, width: 64, height: 60)
            .to(.float64).toArray(Double.self)
        let gt = try boxes.to(.float64).toArray(Double.self)
        let signs = try MFSBoxJitter.signs().to(.float64).toArray(Double.self)
        #expect(jittered.count == 2 * 16 * 4)
        for object in 0..<2 {
            let b = Array(gt[(object * 4)..<(object * 4 + 4)])
            let sides = [b[2] - b[0], b[3] - b[1], b[2] - b[0], b[3] - b[1]]
            for pattern in 0..<16 {
                for k in 0..<4 {
                    let value = jittered[(object * 16 + pattern) * 4 + k]
                    let limit = Double(k % 2 == 0 ? 63 : 59)
                    #expect(value >= 0 && value <= limit)
                    let unclamped = b[k] + signs[k * 16 + pattern] * abs(value - b[k])
                    #expect(abs(value - b[k]) <= sides[k] / 6 + 1e-4)
                    if value > 0 && value < limit { #expect(abs(unclamped - value) < 1e-4, "sign of pattern \(pattern)") }
                }
            }
        }
        // The 16 patterns are the 16 distinct sign vectors.
        let columns = Set((0..<16).map { j in (0..<4).map { signs[$0 * 16 + j] } })
        #expect(columns.count == 16)
    }

    @Test func classDrawsAreSortedAndFollowTheCumulativeProbabilities() {
        let p = MFSSampler.probabilities(meanScores: [0.5, 0.01, 0.2, 0.0])
        #expect(abs(p.reduce(0, +) - 1) < 1e-12 && p[3] > p[1] && p[1] > p[2] && p[2] > p[0])
        let classes = MFSSampler.classes(probabilities: p, uniforms: [0.99, 0.0, 0.5])
        #expect(classes == classes.sorted() && classes.count == 3)
        #expect(MFSSampler.entries(uniforms: [0, 0.999999, 0.5], filled: 3).allSatisfy { (0..<3).contains($0) })
    }

    /// After a step the memory holds the jittered boxes of each class (16 per object, at most queue_size), the
    /// replayed rows are memory entries of non-empty classes, and EBL observes them: a class that is only in the
    /// memory, not in the batch, still moves its mean score.
    @Test func memoryFillsAndReplayedRowsReachEBL() throws {
        let model = try MaskRCNN(config: config(queueSize: 20), seed: 3)
        let (_, mfs) = try parts(model)
        model.train()
        let (imagesA, metasA, targetsA) = try syntheticBatch(count: 1, size: 64, seed: 0)
        _ = try model.loss(images: imagesA, metas: metasA, targets: targetsA, context: model.stepContext())
        let labelsA = try targetsA[0].labels.toArray(Int64.self).map(Int.init)
        for c in 0..<3 {
            let objects = labelsA.filter { $0 == c }.count
            #expect(mfs.filled[c] == min(16 * objects, 20), "class \(c)")
            #expect(mfs.nextSlot[c] == min(16 * objects, 20) % 20, "class \(c)")
        }
        let rows = try #require(try withNoGrad { try mfs.sample(generator: Generator(seed: 1), device: .cpu) })
        #expect(rows.stage == .pooled && rows.features.size(0) % 4 == 0)
        for label in try rows.labels.toArray(Int64.self) { #expect(mfs.filled[Int(label)] > 0) }

        // A batch without class `absent`, with the memory's sampling pushed onto it.
        let (imagesB, metasB, targetsB) = try syntheticBatch(count: 1, size: 64, seed: 2)
        let present = Set(try targetsB[0].labels.toArray(Int64.self).map(Int.init))
        let absent = try #require((0..<3).first { !present.contains($0) && mfs.filled[$0] > 0 })
        let ebl = try #require(model.classificationLoss as? EquilibriumLoss)
        var scores = Array(repeating: 0.9, count: 4)
        scores[absent] = 1e-4
        try ebl.loadStateDict(["mean_score": try Tensor(scores)])
        _ = try model.loss(images: imagesB, metas: metasB, targets: targetsB, context: model.stepContext())
        #expect(try ebl.tracker.meanScore.to(.float64).toArray(Double.self)[absent] != 1e-4)
    }

    /// Under fp16 (bfloat16 autocast on the CPU) RoIAlign pools in the reduced type; the memory stays float32,
    /// as the box targets stored beside it, and its rows go back through the reduced forward pass.
    @Test func memoryStaysFloat32UnderMixedPrecision() throws {
        let model = try MaskRCNN(config: config(queueSize: 20), seed: 3)
        let (_, mfs) = try parts(model)
        model.train()
        for seed in [0, 2] {
            let (images, metas, targets) = try syntheticBatch(count: 1, size: 64, seed: seed)
            let losses = try Autocast.enabled(for: .cpu) {
                try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext()).losses
            }
            for (name, value) in losses {
                let finite = try value.item().isFinite
                #expect(value.dtype == .float32 && finite, "\(name)")
            }
        }
        #expect(mfs.features?.dtype == .float32 && mfs.boxTargets?.dtype == .float32)
        #expect(mfs.filled.contains { $0 > 0 })
    }

    /// The replayed rows join the regression loss and its normaliser: with K sampled rows and R replayed ones,
    /// loss_bbox * (K + R) is the sampled rows' L1 sum plus the replayed rows' own.
    @Test func replayedRowsJoinTheBoxLossAndItsNormaliser() throws {
        let model = try MaskRCNN(config: config(), seed: 4)
        let (recorder, mfs) = try parts(model)
        model.train()
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 2)
        _ = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        let rois = try #require(recorder.lastRoIs)
        let head = model.roiHead.bboxHead

        let before = mfs.stateDict()
        let generator = try Generator(seed: 11)
        let start = try generator.state()
        let with = try model.roiHead.boxHeadLoss(rois, context: TrainingStepContext(iteration: 1, epoch: 1, generator: generator))
        try mfs.loadStateDict(before)
        try generator.setState(start)
        let rows = try #require(try mfs.extraRows(for: rois, shared: Tensor.zeros([0]), context: TrainingStepContext(iteration: 1, epoch: 1, generator: generator)))
        let without = try head.loss(try head(rois.roiFeatures), rois: rois, extra: nil, context: model.stepContext())

        let k = Double(rois.count), r = Double(rows.labels.size(0))
        let deltas = try head.fcReg(head.sharedFeatures(rows.features)).reshape(-1, 3, 4)
        let own = try deltas.gather(dim: 1, index: rows.labels.reshape(-1, 1, 1).expand([-1, 1, 4])).squeeze(dim: 1)
        let extraSum = try (own - rows.boxTargets!).abs().sum().item()
        let lhs = try with.losses["loss_bbox"]!.item() * (k + r)
        let rhs = try without.losses["loss_bbox"]!.item() * k + extraSum
        #expect(r > 0 && abs(lhs - rhs) < 1e-4 * max(1, rhs), "\(lhs) vs \(rhs)")
    }

    @Test func memoryAndRingPositionsRoundTripThroughTheState() throws {
        let model = try MaskRCNN(config: config(), seed: 5)
        let (_, mfs) = try parts(model)
        #expect(mfs.stateDict()["features"] == nil)
        model.train()
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 3)
        _ = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        let state = try model.methodState()
        #expect(state["long_tail.1.features"]?.shape.prefix(2) == [3, 20])
        let fresh = try MaskRCNN(config: config(), seed: 6)
        try fresh.loadMethodState(state)
        let (_, restored) = try parts(fresh)
        #expect(restored.filled == mfs.filled && restored.nextSlot == mfs.nextSlot)
        #expect(try restored.features!.eq(mfs.features!).all().item() == 1)
        var bad = state
        bad["long_tail.1.filled"] = try Tensor([Int64(99), 0, 0])
        #expect(throws: (any Error).self) { try fresh.loadMethodState(bad) }
    }
}
