import Foundation
import Testing
import TestSupport
import Torch

@testable import LTDet

/// Data-parallel training through the whole path (loader, sharded sampler, Mask R-CNN, gradient all-reduce,
/// method-state collectives, rank-0 checkpoints): 2 processes x 1 image per step end with the weights and
/// method state of 1 process x 2 images per step. The ranks are threads of this process with their own Gloo
/// groups on 127.0.0.1, the path separate processes take.
///
/// Exact equivalence needs every per-process normaliser (mmdet averages each loss over its own process's
/// sampled anchors, RoIs and mask positives, then DDP averages over processes) to be the same on both ranks,
/// the RoI/anchor sampling not to depend on the order images are drawn in, and BatchNorm to use frozen
/// statistics (as mmdet's LVIS models do). So the two training images
/// share pixels and boxes and differ in their labels (which change the classifier, box and mask gradients and
/// the per-class method state, never a count), and the samplers keep every candidate.
@Suite(.serialized) struct DistributedTrainingTests {
    @Test func twoProcessesOfOneImageEqualOneProcessOfTwoPlainMaskRCNN() throws {
        try expectEquivalent { _ in }
    }

    @Test func twoProcessesOfOneImageEqualOneProcessOfTwoEQLv2WithPCB() throws {
        try expectEquivalent { config in
            config.model.roiHead.bboxHead.lossCls = .eqlv2(EQLv2LossConfig())
            config.model.roiHead.bboxHead.pcb = PCBConfig(startEpoch: 2)
        }
    }

    func expectEquivalent(_ method: (inout ExperimentConfig) -> Void) throws {
        let root = try temporaryDirectory()
        let data = try sameImageWithDifferentLabels(in: root)
        var config = Self.config(data: data)
        method(&config)

        var single = config
        single.data.samplesPerGPU = 2
        let singleDir = root.appendingPathComponent("single")
        try DetectionExperiment(config: single, workDirectory: singleDir).train(resume: false)

        var perRank = config
        perRank.data.samplesPerGPU = 1
        let distributedDir = root.appendingPathComponent("distributed")
        // Read-only from both threads.
        nonisolated(unsafe) let rankConfig = perRank
        _ = try runRanks(2, timeoutSeconds: 600) { group in
            try DetectionExperiment(config: rankConfig, workDirectory: distributedDir, processGroup: group)
                .train(resume: false)
        }

        let a = try Checkpoint.read(try #require(Checkpoint.latest(in: singleDir)))
        let b = try Checkpoint.read(try #require(Checkpoint.latest(in: distributedDir)))
        #expect(a.state.iteration == config.runner.maxEpochs && b.state.iteration == config.runner.maxEpochs)
        #expect(Set(a.model.keys) == Set(b.model.keys) && Set(a.method.keys) == Set(b.method.keys))
        let initial = try DetectionExperiment(config: config, workDirectory: root).makeModel().stateDict()
        var moved = 0.0
        for (name, tensor) in a.model.merging(a.method, uniquingKeysWith: { x, _ in x }) {
            let other = try #require(b.model[name] ?? b.method[name])
            guard tensor.dtype.isFloatingPoint else {
                #expect(try tensor.eq(other).all().item() == 1, "\(name) differs")
                continue
            }
            let scale = max(1, try tensor.abs().max().item())
            let difference = try (tensor - other).abs().max().item()
            // float32 sums in another order (one batched backward against two averaged ones), through 3 steps
            // of SGD with momentum from scratch: ~1e-4 apart where the weights moved ~1e-2; a missing or
            // doubled reduction moves them apart by as much as they moved.
            #expect(difference <= 1e-3 * scale, "\(name): 1 x 2 and 2 x 1 differ by \(difference)")
            if let start = initial[name] { moved = max(moved, try (tensor - start).abs().max().item()) }
        }
        #expect(moved > 0, "training did not change the weights: the comparison would prove nothing")
        // Rank 0 alone writes: one log line per logged step, not one per process. Its losses are the averages
        // over both processes (mmdet's `_parse_losses`), so they are the single process's losses of the same two
        // images: at the first step exactly (the same weights), later within the weights' drift.
        let singleLosses = try loggedLosses(in: singleDir)
        let distributedLosses = try loggedLosses(in: distributedDir)
        #expect(distributedLosses.count == config.runner.maxEpochs && singleLosses.count == distributedLosses.count)
        for (step, (a, b)) in zip(singleLosses, distributedLosses).enumerated() {
            #expect(abs(a - b) <= (step == 0 ? 1e-5 : 1e-3) * max(1, abs(a)), "step \(step + 1): loss \(a) vs \(b)")
        }
    }

    @Test func shardedEvaluationWritesTheSingleProcessResults() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        // Three validation images: the shards differ in length (2 and 1).
        _ = try SyntheticDatasetGenerator(
            .init(classes: 3, trainImages: 2, valImages: 3, imageSize: 64, seed: 4)).write(to: data)
        var config = Self.config(data: data)
        config.data.val = DatasetSection(
            annFile: "\(data)/annotations/val.json", imgPrefix: "\(data)/images", filterEmptyGT: false)
        config.data.testPipeline = PipelineSection(shortSides: [64], maxLongSide: 64, flipRatio: 0)
        let experiment = DetectionExperiment(config: config, workDirectory: root)
        let model = try experiment.makeModel()
        let val = try experiment.loadDataset(config.data.val, training: false)
        let single = root.appendingPathComponent("single/results.json")
        try FileManager.default.createDirectory(at: single.deletingLastPathComponent(), withIntermediateDirectories: true)
        try experiment.evaluate(model: model, dataset: val, iouTypes: [.bbox], resultsFile: single)

        let sharded = root.appendingPathComponent("sharded/results.json")
        try FileManager.default.createDirectory(at: sharded.deletingLastPathComponent(), withIntermediateDirectories: true)
        nonisolated(unsafe) let rankConfig = config
        let counts = try runRanks(2, timeoutSeconds: 300) { group in
            let rankExperiment = DetectionExperiment(config: rankConfig, workDirectory: root, processGroup: group)
            let rankModel = try rankExperiment.makeModel()
            let summaries = try rankExperiment.evaluate(
                model: rankModel, dataset: try rankExperiment.loadDataset(rankConfig.data.val, training: false),
                iouTypes: [.bbox], resultsFile: sharded)
            return summaries.count
        }
        #expect(counts == [1, 0], "rank 0 evaluates, rank 1 does not")
        let expected = try Data(contentsOf: single)
        #expect(expected.count > 10, "the model predicted nothing: the comparison would prove nothing")
        #expect(try Data(contentsOf: sharded) == expected)
    }

    func loggedLosses(in directory: URL) throws -> [Double] {
        let log = try String(contentsOf: directory.appendingPathComponent("log.jsonl"), encoding: .utf8)
        return try log.split(separator: "\n").compactMap { line in
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return entry["mode"] as? String == "train" ? try #require(entry["loss"] as? Double) : nil
        }
    }

    static func config(data: String) -> ExperimentConfig {
        var config = ExperimentConfig()
        config.model = MaskRCNNConfig.demo(numClasses: 3)
        // Batch statistics couple the images of a batch (SyncBN's reason to exist); mmdet's LVIS models freeze
        // them, and so does this comparison.
        config.model.backbone.normEval = true
        // Keep every anchor and RoI: the sample does not depend on the generator's position.
        config.model.trainCfg.rpn.sampler = .init(num: 1 << 20, posFraction: 1, addGtAsProposals: false)
        config.model.trainCfg.rcnn.sampler = .init(num: 1 << 20, posFraction: 1, addGtAsProposals: true)
        config.data.workersPerGPU = 1
        config.data.train = DatasetSection(annFile: "\(data)/train.json", imgPrefix: "\(data)/images", filterEmptyGT: true)
        config.data.val = config.data.train
        config.data.trainPipeline = PipelineSection(shortSides: [64], maxLongSide: 64, flipRatio: 0)
        config.optimizer.lr = 0.02
        config.optimizer.referenceBatchSize = nil
        config.lrConfig.warmupIters = 1
        config.lrConfig.step = [2]
        config.runner.maxEpochs = 3
        config.logConfig.interval = 1
        config.checkpointConfig.interval = 1
        config.evaluation.metric = []
        config.seed = 5
        return config
    }

    /// Two training images with the pixels and boxes of one synthetic image, the second with every label moved
    /// to the next class.
    func sameImageWithDifferentLabels(in root: URL) throws -> String {
        let data = root.appendingPathComponent("synth").path
        var synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 2, valImages: 1, imageSize: 64, seed: 3)
        synth.classesPerImage = 2
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let source = URL(fileURLWithPath: "\(data)/annotations/train.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        let images = try #require(json["images"] as? [[String: Any]])
        let annotations = try #require(json["annotations"] as? [[String: Any]])
        let categories = try #require(json["categories"] as? [[String: Any]]).compactMap { $0["id"] as? Int }.sorted()
        var image = images[0]
        let imageID = try #require(image["id"] as? Int)
        let own = annotations.filter { $0["image_id"] as? Int == imageID }
        #expect(!own.isEmpty)
        var copy = image
        copy["id"] = imageID + 100_000
        var relabelled = own
        for i in relabelled.indices {
            let c = try #require(relabelled[i]["category_id"] as? Int)
            let next = categories[(try #require(categories.firstIndex(of: c)) + 1) % categories.count]
            relabelled[i]["category_id"] = next
            relabelled[i]["image_id"] = imageID + 100_000
            relabelled[i]["id"] = (relabelled[i]["id"] as? Int ?? 0) + 100_000
        }
        image["id"] = imageID
        json["images"] = [image, copy]
        json["annotations"] = own + relabelled
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: "\(data)/train.json"))
        return data
    }
}
