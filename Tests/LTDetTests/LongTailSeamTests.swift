import Foundation
import Testing
import Torch

@testable import LTDet
import TestSupport

/// A long-tail component for tests: records what the RoI head hands it, counts its calls as checkpointed
/// state, and optionally replays the step's positive rows (features after the shared FCs, with their labels
/// and box targets) as extra rows.
final class RecordingComponent: LongTailComponent {
    struct Options: Codable {
        var replayPositives = false
        enum CodingKeys: String, CodingKey { case replayPositives = "replay_positives" }
    }
    let options: Options
    let numClasses: Int
    var calls: Tensor
    var lastRoIs: SampledRoIs?
    var lastShared: Tensor?

    init(options: Options, numClasses: Int) throws {
        self.options = options
        self.numClasses = numClasses
        calls = try Tensor.zeros([1])
    }

    static func register() {
        LongTailComponentRegistry.register("TestRecorder") { config, model in
            try RecordingComponent(options: config.decodeOptions(Options.self), numClasses: model.numClasses)
        }
    }

    func extraRows(for rois: SampledRoIs, shared: Tensor, context: TrainingStepContext) throws -> ExtraRoIRows? {
        calls = try calls + 1
        lastRoIs = rois
        lastShared = try shared.detach()
        guard options.replayPositives else { return nil }
        let positives = try rois.labels.lt(Double(numClasses)).nonzero().reshape(-1)
        return ExtraRoIRows(
            stage: .shared, features: try shared.detach().index(positives), labels: try rois.labels.index(positives),
            boxTargets: try rois.boxTargets.index(positives))
    }

    func stateDict() -> [String: Tensor] { ["calls": calls] }
    func loadStateDict(_ state: [String: Tensor]) throws {
        try LossState.restore("calls", from: state, into: &calls, owner: "RecordingComponent")
    }
}

@Suite struct LongTailSeamTests {
    init() { RecordingComponent.register() }

    func config(loss: ClassificationLossConfig, roiHead: String? = nil, replay: Bool = false) -> MaskRCNNConfig {
        var config = MaskRCNNConfig.demo(numClasses: 3)
        config.trainCfg.rpnProposal = ProposalConfig(nmsPre: 100, maxPerImage: 50)
        config.roiHead.bboxHead.lossCls = loss
        config.roiHead.type = roiHead
        config.roiHead.longTail = [LongTailComponentConfig(type: "TestRecorder", options: ["replay_positives": .bool(replay)])]
        return config
    }

    func recorder(_ model: MaskRCNN) throws -> RecordingComponent {
        try #require(model.roiHead.longTailComponents.first as? RecordingComponent)
    }

    @Test func componentsAreBuiltByTypeAndTheirOptionsChecked() throws {
        var bad = config(loss: .crossEntropy(.init()))
        bad.roiHead.longTail = [LongTailComponentConfig(type: "TestRecorder", options: ["replay": .bool(true)])]
        #expect(throws: (any Error).self) { try MaskRCNN(config: bad, seed: 1) }
        bad.roiHead.longTail = [LongTailComponentConfig(type: "NoSuchMethod")]
        #expect(throws: (any Error).self) { try MaskRCNN(config: bad, seed: 1) }
    }

    /// LOCE observes one mean score per ground-truth object: two instances of a class in the batch are two
    /// observations, so m_c = 0.9^2 m_c + (1 - 0.9^2) mean, not one class-wide observation.
    @Test func equilibriumLossObservesEachGroundTruthInstanceOnce() throws {
        let model = try MaskRCNN(config: config(loss: .equilibrium(.init())), seed: 3)
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 0)
        model.train()
        _ = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        let spy = try recorder(model)
        let rois = try #require(spy.lastRoIs)
        let logits = try withNoGrad { try model.roiHead.bboxHead.fcCls(#require(spy.lastShared)) }
        let scores = try logits.softmax(dim: 1).to(.float64).toArray(Double.self)
        let labels = try rois.labels.toArray(Int64.self)
        let ids = try rois.instanceIDs.toArray(Int64.self)
        let width = 4

        var perInstance: [Int64: (label: Int, sum: Double, count: Int)] = [:]
        for (row, label) in labels.enumerated() where label < 3 {
            #expect(ids[row] >= 0, "a positive row without its instance")
            perInstance[ids[row], default: (Int(label), 0, 0)].sum += scores[row * width + Int(label)]
            perInstance[ids[row]]!.count += 1
        }
        var observations: [Int: [Double]] = [:]
        for (_, group) in perInstance { observations[group.label, default: []].append(group.sum / Double(group.count)) }
        #expect(observations.values.contains { $0.count >= 2 }, "the batch should hold two instances of a class")

        let tracked = try (try #require(model.classificationLoss as? EquilibriumLoss)).tracker.meanScore.to(.float64)
            .toArray(Double.self)
        for (label, values) in observations {
            let decay = pow(0.9, Double(values.count))
            let expected = decay * 0.01 + (1 - decay) * values.reduce(0, +) / Double(values.count)
            #expect(abs(tracked[label] - expected) < 1e-6, "class \(label): \(tracked[label]) vs \(expected)")
        }
        // The record names every ground-truth box that was added as a proposal.
        #expect(try rois.isGroundTruth.to(.int64).sum().itemInt() == targets.reduce(0) { $0 + $1.count })
    }

    /// Rows a component adds enter both box losses and their normaliser: replaying every positive (same
    /// features, labels and targets) doubles the regression sum over K + R rows.
    @Test func extraRowsReachTheBoxLossesAndStateIsWalked() throws {
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 1)
        var losses: [Bool: [String: Double]] = [:]
        var counts: [Bool: (rows: Int, positives: Int)] = [:]
        for replay in [false, true] {
            let model = try MaskRCNN(config: config(loss: .crossEntropy(.init()), replay: replay), seed: 4)
            model.train()
            let (terms, _) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
            losses[replay] = try terms.mapValues { try $0.item() }
            let rois = try #require(try recorder(model).lastRoIs)
            counts[replay] = (rois.count, try rois.labels.lt(3).to(.int64).sum().itemInt())

            let state = try model.methodState()
            #expect(try state["long_tail.0.calls"]?.item() == 1)
            let fresh = try MaskRCNN(config: config(loss: .crossEntropy(.init()), replay: replay), seed: 9)
            try fresh.loadMethodState(state)
            #expect(try recorder(fresh).calls.item() == 1)
        }
        let k = Double(counts[false]!.rows), r = Double(counts[true]!.positives)
        #expect(r > 0)
        let without = losses[false]!["loss_bbox"]!, with = losses[true]!["loss_bbox"]!
        #expect(abs(with * (k + r) / 2 - without * k) < 1e-5 * max(1, without * k))
    }

    /// PCB's iterative head: three passes of one shared head, PCB strength 0, a/2, a, the loss (and so the
    /// confusion counts) called once per pass, PCB's state names.
    @Test func iterativeHeadRunsThreePassesAndUpdatesStatePerPass() throws {
        var c = config(loss: .crossEntropy(.init()), roiHead: "IterativeRoIHead")
        c.roiHead.bboxHead.pcb = PCBConfig(alpha: 0.4, startEpoch: 1)
        c.roiHead.useLayerNorm = true
        let model = try MaskRCNN(config: c, seed: 5)
        let head = try #require(model.roiHead as? IterativeRoIHead)
        #expect((0..<3).map { head.pcbStrength(pass: $0) } == [0, 0.2, 0.4])
        let names = Set(model.namedState().map(\.0))
        for name in ["roi_head.cls_sub_module.layers.fc1.weight", "roi_head.cls_sub_module.layer_norm.weight",
                     "roi_head.loc_sub_module.layers.fc2.bias", "roi_head.bbox_head.fc_cls.weight"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(!names.contains("roi_head.loc_sub_module.layer_norm.weight"))

        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 2)
        model.train()
        let (losses, _) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        #expect(Set(losses.keys) == ["loss_rpn_cls", "loss_rpn_bbox", "loss_cls", "loss_bbox", "loss_mask"])
        let rois = try #require(try recorder(model).lastRoIs)
        let positives = try rois.labels.lt(3).to(.int64).sum().itemInt()
        let pcb = try #require((model.classificationLoss as? SoftmaxCrossEntropyLoss)?.pcb)
        #expect(try pcb.confusion.counts.sum().item() == Double(3 * positives))

        let passes = try withNoGrad { try head.passes(rois.roiFeatures) }
        #expect(passes.count == 3 && passes[2].logits.shape == [rois.count, 4])
        #expect(try (passes[0].logits - passes[1].logits).abs().max().item() > 0)
        model.eval()
        #expect(try model.predict(images: images, metas: metas).count == 2)
    }

    @Test func normedMaskPredictorIsSelectedByConfig() throws {
        var c = config(loss: .seesaw(.init()))
        c.roiHead.maskHead?.predictorCfg = MaskRCNNConfig.PredictorConfig(type: "NormedConv2d", temperature: 20)
        let model = try MaskRCNN(config: c, seed: 6)
        let predictor = try #require(model.roiHead.maskHead?.convLogits as? NormedConv2d)
        #expect(predictor.temperature == 20)
        #expect(Set(model.namedState().map(\.0)).contains("roi_head.mask_head.conv_logits.weight"))
        c.roiHead.maskHead?.predictorCfg = MaskRCNNConfig.PredictorConfig(type: "Conv3d")
        #expect(throws: (any Error).self) { try MaskRCNN(config: c, seed: 6) }
    }
}

/// The iterative head with Seesaw + PCB (active from the first epoch) and the normed mask predictor through the
/// whole training path: a run interrupted mid-epoch and resumed ends bit for bit where the straight run does.
@Suite struct IterativeHeadResumeTests {
    @Test func interruptedAndResumedRunEqualsStraightRun() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        var synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 6, valImages: 2, imageSize: 64, seed: 4)
        synth.classesPerImage = 1.5
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        func experiment(_ work: URL, maxIters: Int?) throws -> DetectionExperiment {
            var config = try DetectorResumeTests().experiment(data: data, work: work, maxIters: maxIters).config
            config.model.roiHead.type = "IterativeRoIHead"
            config.model.roiHead.bboxHead.pcb = PCBConfig(startEpoch: 1)
            config.model.roiHead.maskHead?.predictorCfg = MaskRCNNConfig.PredictorConfig(type: "NormedConv2d")
            return DetectionExperiment(config: config, workDirectory: work)
        }
        let straight = root.appendingPathComponent("straight"), split = root.appendingPathComponent("split")
        try experiment(straight, maxIters: nil).train(resume: false)
        try experiment(split, maxIters: 3).train(resume: false)
        try experiment(split, maxIters: nil).train(resume: true)

        let a = try Checkpoint.read(try #require(Checkpoint.latest(in: straight)))
        let b = try Checkpoint.read(try #require(Checkpoint.latest(in: split)))
        #expect(a.state.iteration == 6 && b.state.iteration == 6)
        #expect(a.model.keys.contains("roi_head.cls_sub_module.layers.fc1.weight"))
        #expect(a.method.keys.contains("cls_loss.cum_samples") && a.method.keys.contains("cls_loss.confusion"))
        try expectBitIdentical(a, b)
    }
}
