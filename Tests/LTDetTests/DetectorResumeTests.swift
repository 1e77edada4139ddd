import Foundation
import Testing
import Torch

@testable import LTDet
import TestSupport

/// The real detector through the whole training path (synthetic files, loader, sampler, augmentation, Mask
/// R-CNN, SGD, checkpoints): a run interrupted mid-epoch and resumed ends with exactly the weights and
/// method state of an uninterrupted run.
@Suite struct DetectorResumeTests {
    func experiment(data: String, work: URL, maxIters: Int?, fp16: Fp16Section? = nil) throws -> DetectionExperiment {
        var config = ExperimentConfig()
        config.model = MaskRCNNConfig.demo(numClasses: 3)
        config.model.roiHead.bboxHead.lossCls = .seesaw(SeesawLossConfig())
        config.data.samplesPerGPU = 2
        config.data.workersPerGPU = 2
        config.data.train = DatasetSection(annFile: "\(data)/annotations/train.json", imgPrefix: "\(data)/images", filterEmptyGT: true)
        config.data.val = DatasetSection(annFile: "\(data)/annotations/val.json", imgPrefix: "\(data)/images", filterEmptyGT: false)
        config.data.trainPipeline = PipelineSection(shortSides: [56, 64], maxLongSide: 64, flipRatio: 0.5)
        config.data.testPipeline = PipelineSection(shortSides: [64], maxLongSide: 64, flipRatio: 0)
        config.optimizer.lr = 0.01
        config.optimizer.referenceBatchSize = nil
        config.lrConfig.warmupIters = 2
        config.lrConfig.step = [1]
        config.runner.maxEpochs = 2
        config.runner.maxIters = maxIters
        config.checkpointConfig.interval = 1
        config.evaluation.metric = []
        config.seed = 5
        config.fp16 = fp16
        return DetectionExperiment(config: config, workDirectory: work)
    }

    @Test func interruptedAndResumedRunEqualsStraightRun() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        var synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 6, valImages: 2, imageSize: 64, seed: 3)
        synth.classesPerImage = 1.5
        _ = try SyntheticDatasetGenerator(synth).write(to: data)

        let straightDir = root.appendingPathComponent("straight")
        try experiment(data: data, work: straightDir, maxIters: nil).train(resume: false)
        let splitDir = root.appendingPathComponent("split")
        try experiment(data: data, work: splitDir, maxIters: 4).train(resume: false)
        let partial = try Checkpoint.read(try #require(Checkpoint.latest(in: splitDir)))
        #expect(partial.state.iteration == 4 && partial.state.epoch == 2 && partial.state.positionInEpoch == 1)
        try experiment(data: data, work: splitDir, maxIters: nil).train(resume: true)


        let a = try Checkpoint.read(try #require(Checkpoint.latest(in: straightDir)))
        let b = try Checkpoint.read(try #require(Checkpoint.latest(in: splitDir)))
        #expect(a.state.iteration == 6 && b.state.iteration == 6)
        #expect(a.method.keys.contains("cls_loss.cum_samples"))
        try expectBitIdentical(a, b)
    }

    /// The same with `fp16:` (bfloat16 autocast on the CPU) and a dynamic scaler that grows every 3 clean steps,
    /// so that the run resumes mid-interval and the scaler's clean-step count must come back from the checkpoint.
    @Test func interruptedAndResumedFp16RunEqualsStraightRun() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        var synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 6, valImages: 2, imageSize: 64, seed: 3)
        synth.classesPerImage = 1.5
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        var scale = Fp16Section.DynamicLossScale()
        scale.initScale = 1024
        scale.growthInterval = 3
        let fp16 = Fp16Section(lossScale: .dynamic(scale))

        let straightDir = root.appendingPathComponent("straight")
        try experiment(data: data, work: straightDir, maxIters: nil, fp16: fp16).train(resume: false)
        let splitDir = root.appendingPathComponent("split")
        try experiment(data: data, work: splitDir, maxIters: 4, fp16: fp16).train(resume: false)
        let partial = try Checkpoint.read(try #require(Checkpoint.latest(in: splitDir)))
        #expect(try partial.lossScaler["growth_tracker"]?.itemInt() == 1)
        try experiment(data: data, work: splitDir, maxIters: nil, fp16: fp16).train(resume: true)

        let a = try Checkpoint.read(try #require(Checkpoint.latest(in: straightDir)))
        let b = try Checkpoint.read(try #require(Checkpoint.latest(in: splitDir)))
        #expect(a.state.iteration == 6 && b.state.iteration == 6)
        #expect(Set(a.lossScaler.keys) == ["scale", "growth_tracker"])
        try expectBitIdentical(a, b)
    }
}
