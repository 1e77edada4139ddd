import Foundation
import LVISKit
import Testing
import Torch

@testable import LTDet
import TestSupport

/// RIO's object-level memory replay (`MemoryReplay`) and cosine classifier inside the detector.
@Suite struct MemoryReplayTests {
    init() { RecordingComponent.register() }

    /// A target-class file naming every class of `classes` (category ids 1...C).
    func allClassesFile(_ classes: Int) throws -> String {
        let path = try temporaryDirectory().appendingPathComponent("targets.txt").path
        try (1...classes).map(String.init).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func config(targets: String, queueSize: Int, replaySize: Int) -> MaskRCNNConfig {
        var config = MaskRCNNConfig.demo(numClasses: 3)
        config.trainCfg.rpnProposal = ProposalConfig(nmsPre: 100, maxPerImage: 50)
        config.roiHead.bboxHead.clsPredictorCfg = MaskRCNNConfig.PredictorConfig(type: "CosineSimilarityLinear")
        config.roiHead.longTail = [
            LongTailComponentConfig(type: "TestRecorder", options: ["replay_positives": .bool(false)]),
            LongTailComponentConfig(
                type: "MemoryReplay",
                options: ["target_classes_file": .string(targets), "queue_size": .int(queueSize), "replay_size": .int(replaySize)]),
        ]
        return config
    }

    @Test func targetClassesFollowTheImageCountRuleOrTheFile() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        _ = try SyntheticDatasetGenerator(.init(classes: 12, trainImages: 40, valImages: 2, imageSize: 64, seed: 8)).write(to: data)
        let annFile = "\(data)/annotations/train.json"
        let file = try LVISDataset.load(path: annFile)
        var images: [Int: Set<Int>] = [:]
        for a in file.annotations { images[a.categoryId, default: []].insert(a.imageId) }
        let ids = file.categories.map(\.id).sorted()
        let counts = ids.map { images[$0]?.count ?? 0 }
        let threshold = counts.sorted()[counts.count / 2]
        var options = MemoryReplay.Options()
        options.annFile = annFile
        options.maxImageCount = threshold
        let expected = ids.indices.filter { counts[$0] <= threshold }
        #expect(try MemoryReplay.TargetClasses.labels(options: options, numClasses: ids.count) == expected)
        #expect(!expected.isEmpty && expected.count < ids.count)

        let list = root.appendingPathComponent("list.txt").path
        try "\(ids[3])\n\n\(ids[0])\n".write(toFile: list, atomically: true, encoding: .utf8)
        options.targetClassesFile = list
        #expect(try MemoryReplay.TargetClasses.labels(options: options, numClasses: ids.count) == [3, 0])
        try "\(ids.count + 1)\n".write(toFile: list, atomically: true, encoding: .utf8)
        options.annFile = nil
        #expect(throws: (any Error).self) { try MemoryReplay.TargetClasses.labels(options: options, numClasses: ids.count) }
        #expect(throws: (any Error).self) { try MemoryReplay.TargetClasses.labels(options: .init(), numClasses: ids.count) }
    }

    /// Step 2 replays, per target class among its positives (ascending), the newest entries the queue held after
    /// step 1, through the cosine classifier and the regressor with targets encoded from the stored boxes; both
    /// losses are over K + R rows; then the step's positives are pushed and the oldest dropped; the queues are in
    /// the method state and load back.
    @Test func replayedRowsReachTheLossesAndQueuesAreCheckpointed() throws {
        let (queueSize, replaySize) = (8, 5)
        let c = config(targets: try allClassesFile(3), queueSize: queueSize, replaySize: replaySize)
        let model = try MaskRCNN(config: c, seed: 3)
        let cosine = try #require(model.roiHead.bboxHead.fcCls as? CosineSimilarityLinear)
        #expect(cosine.scale == CosineSimilarityLinear.rioScale)
        let recorder = try #require(model.roiHead.longTailComponents.first as? RecordingComponent)
        let memory = try #require(model.roiHead.longTailComponents.last as? MemoryReplay)
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 1)
        model.train()
        _ = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        let before = memory.stateDict()
        #expect(!before.isEmpty)

        let (terms, _) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext(iteration: 1))
        let rois = try #require(recorder.lastRoIs), shared = try #require(recorder.lastShared)
        let labels = try rois.labels.toArray(Int64.self)
        let present = Set(labels.filter { $0 < 3 }.map(Int.init)).sorted()
        var replayFeatures: [Tensor] = [], replayBoxes: [Tensor] = [], replayLabels: [Int64] = []
        for label in present {
            guard let features = before["\(label).features"], let boxes = before["\(label).boxes"] else { continue }
            let n = features.size(0), k = min(replaySize, n)
            replayFeatures.append(try features.slice(dim: 0, start: n - k))
            replayBoxes.append(try boxes.slice(dim: 0, start: n - k))
            replayLabels += Array(repeating: Int64(label), count: k)
        }
        #expect(!replayLabels.isEmpty)
        let coder = DeltaXYWHBoxCoder(stds: c.roiHead.bboxHead.targetStds)
        let expected = try withNoGrad { () -> (cls: Double, bbox: Double) in
            let head = model.roiHead.bboxHead
            let features = try Tensor.cat([shared, Tensor.cat(replayFeatures)])
            let allLabels = try Tensor.cat([rois.labels, Tensor(replayLabels)])
            let boxes = try Tensor.cat(replayBoxes)
            let boxTargets = try Tensor.cat([
                rois.boxTargets, coder.encode(proposals: boxes.slice(dim: 1, end: 4), targets: boxes.slice(dim: 1, start: 4)),
            ])
            let rows = Double(allLabels.size(0))
            let ce = try Functional.crossEntropy(try head.fcCls(features), allLabels, reduction: .sum).item() / rows
            let positives = try allLabels.lt(3).nonzero().reshape(-1)
            let deltas = try head.fcReg(features).reshape(-1, 3, 4).index(positives)
            let own = try deltas.gather(dim: 1, index: allLabels.index(positives).reshape(-1, 1, 1).expand([-1, 1, 4])).reshape(-1, 4)
            let l1 = try (own - boxTargets.index(positives)).abs().sum().item() / rows
            return (ce, l1)
        }
        let got = (cls: try terms["loss_cls"]!.item(), bbox: try terms["loss_bbox"]!.item())
        #expect(abs(got.cls - expected.cls) <= 1e-5 * max(1, expected.cls), "loss_cls \(got.cls) vs \(expected.cls)")
        #expect(abs(got.bbox - expected.bbox) <= 1e-5 * max(1, expected.bbox), "loss_bbox \(got.bbox) vs \(expected.bbox)")

        // The push: old entries then this step's positives of the class in row order, the newest queue_size kept.
        let after = memory.stateDict()
        for label in present {
            let mine = try Tensor(labels.indices.filter { labels[$0] == Int64(label) }.map(Int64.init))
            var all = try shared.index(mine)
            if let old = before["\(label).features"] { all = try Tensor.cat([old, all]) }
            let keep = try all.slice(dim: 0, start: max(0, all.size(0) - queueSize))
            #expect(try after["\(label).features"]!.eq(keep).all().item() == 1, "class \(label)'s queue")
        }
        let state = try model.methodState()
        let fresh = try MaskRCNN(config: c, seed: 9)
        try fresh.loadMethodState(state)
        let restored = try #require(fresh.roiHead.longTailComponents.last as? MemoryReplay).stateDict()
        #expect(Set(restored.keys) == Set(after.keys))
        for (name, tensor) in after { #expect(try restored[name]!.eq(tensor).all().item() == 1, "\(name)") }
    }

    /// configs/rio: RIO's parts and Detectron2's schedule; the LVIS v1 target list is the image-count rule on
    /// LVIS v1's counts and builds the component.
    @Test func rioConfigsSelectWhatTheyName() throws {
        let root = ShippedConfigTests.root
        for file in ["rio/mask_rcnn_r50_fpn_rio_1x_lvis_v0.5.yaml", "rio/mask_rcnn_r101_fpn_rio_1x_lvis_v1.yaml"] {
            let config = try ExperimentConfig.load(root.appendingPathComponent(file).path)
            #expect(config.model.roiHead.bboxHead.clsPredictorCfg?.type == "CosineSimilarityLinear")
            #expect(config.model.roiHead.longTail?.map(\.type) == ["MemoryReplay"])
            #expect(config.runner.type == "IterBasedRunner" && !config.lrConfig.byEpoch && config.lrConfig.warmupIters == 1000)
            #expect(config.data.sampler.type == "repeat_factor" && config.data.sampler.rounding == .stochastic)
        }
        let v1 = try ExperimentConfig.load(root.appendingPathComponent("rio/mask_rcnn_r50_fpn_rio_1x_lvis_v1.yaml").path)
        var options = try #require(v1.model.roiHead.longTail?.first).decodeOptions(MemoryReplay.Options.self)
        options.targetClassesFile = root.deletingLastPathComponent().appendingPathComponent(options.targetClassesFile!).path
        let labels = try MemoryReplay.TargetClasses.labels(options: options, numClasses: v1.model.numClasses)
        #expect(labels == LVISImageCounts.v1.indices.filter { LVISImageCounts.v1[$0] <= options.maxImageCount })
        let memory = try MemoryReplay(
            options: options, targetLabels: labels, numClasses: v1.model.numClasses,
            coder: DeltaXYWHBoxCoder(stds: v1.model.roiHead.bboxHead.targetStds))
        #expect(memory.targetLabels == labels)
    }

    @Test func iterationScheduleCountsIterations() throws {
        var runner = RunnerSection()
        runner.type = "IterBasedRunner"
        runner.maxIters = 10
        #expect(try runner.epochCount(iterationsPerEpoch: { $0 == 1 ? 4 : 3 }, file: "x") == 3)
        runner.maxIters = nil
        #expect(throws: ConfigError.self) { try runner.epochCount(iterationsPerEpoch: { _ in 3 }, file: "x") }
        var lr = LRSection()
        lr.byEpoch = false
        lr.step = [7, 9]
        lr.warmupIters = 2
        let schedule = try lr.makeSchedule(iterationsInEpoch: { _ in 4 }, totalIterations: 10, file: "x")
        #expect(schedule.factor(iteration: 6) > schedule.factor(iteration: 7))
        #expect(schedule.factor(iteration: 7) == schedule.factor(iteration: 8))
    }
}

/// RIO through the whole training path (memory replay of every class, cosine classifier, iteration-based
/// runner and steps): a run interrupted mid-run and resumed ends bit for bit where the straight run does.
@Suite struct MemoryReplayResumeTests {
    @Test func interruptedAndResumedRunEqualsStraightRun() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        var synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 6, valImages: 2, imageSize: 64, seed: 4)
        synth.classesPerImage = 1.5
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let targets = root.appendingPathComponent("targets.txt").path
        try "1\n2\n3\n".write(toFile: targets, atomically: true, encoding: .utf8)
        func experiment(_ work: URL, maxIters: Int) throws -> DetectionExperiment {
            var config = try DetectorResumeTests().experiment(data: data, work: work, maxIters: maxIters).config
            config.model.roiHead.bboxHead.lossCls = .crossEntropy(CrossEntropyLossConfig())
            config.model.roiHead.bboxHead.clsPredictorCfg = MaskRCNNConfig.PredictorConfig(type: "CosineSimilarityLinear")
            config.model.roiHead.longTail = [
                LongTailComponentConfig(
                    type: "MemoryReplay", options: ["target_classes_file": .string(targets), "queue_size": .int(6), "replay_size": .int(4)]),
            ]
            config.runner.type = "IterBasedRunner"
            config.lrConfig.byEpoch = false
            config.lrConfig.step = [5]
            return DetectionExperiment(config: config, workDirectory: work)
        }
        let straight = root.appendingPathComponent("straight"), split = root.appendingPathComponent("split")
        try experiment(straight, maxIters: 7).train(resume: false)
        try experiment(split, maxIters: 2).train(resume: false)
        try experiment(split, maxIters: 7).train(resume: true)

        let a = try Checkpoint.read(try #require(Checkpoint.latest(in: straight)))
        let b = try Checkpoint.read(try #require(Checkpoint.latest(in: split)))
        #expect(a.state.iteration == 7 && b.state.iteration == 7)
        #expect(a.model.keys.contains("roi_head.bbox_head.fc_cls.weight_g"))
        #expect(a.method.keys.contains { $0.hasPrefix("long_tail.0.") && $0.hasSuffix(".features") })
        try expectBitIdentical(a, b)
    }
}
