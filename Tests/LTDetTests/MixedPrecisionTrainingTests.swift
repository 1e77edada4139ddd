import Foundation
import Testing
import TestSupport

@testable import LTDet
@testable import Torch

/// `fp16:` through the trainer: autocast (bfloat16 on the CPU) around the forward pass, the loss scaler in each
/// optimiser hook, its state in checkpoints, and the configuration's forms and errors.
@Suite struct MixedPrecisionTrainingTests {
    static let dynamic = Fp16Section(lossScale: .dynamic({
        var s = Fp16Section.DynamicLossScale()
        s.initScale = 1024
        s.growthInterval = 4
        return s
    }()))

    func makeTrainer(_ dir: URL, maxIterations: Int? = nil, everyIterations: Int? = nil, cumulative: Int = 1)
        throws -> Trainer<ToyModel, ToySource>
    {
        let model = try ToyModel(seed: 3)
        let optimizer = SGD(model.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4)
        let settings = TrainerSettings(
            maxEpochs: 3, maxIterations: maxIterations, checkpointEveryIterations: everyIterations,
            checkpointEveryEpochs: 1, keepCheckpoints: 2, logEveryIterations: 4, clipGradNorm: 10,
            cumulativeIterations: cumulative, fp16: Self.dynamic)
        return try Trainer(
            model: model, source: ToySource(), optimizer: optimizer,
            schedule: WarmupMultiStepSchedule(milestones: [12], warmupIterations: 4), settings: settings,
            workDirectory: dir)
    }

    func weights(_ t: Trainer<ToyModel, ToySource>) throws -> [String: [Float]] {
        try t.model.stateDict().mapValues { try $0.toArray(Float.self) }
    }

    func scaler(in dir: URL) throws -> (scale: Float, tracker: Int32) {
        let state = try Checkpoint.read(try #require(Checkpoint.latest(in: dir))).lossScaler
        return (try #require(state["scale"]).toArray(Float.self)[0], try #require(state["growth_tracker"]).toArray(Int32.self)[0])
    }

    @Test func killedFp16RunResumesWithItsScalerExactly() throws {
        let straightDir = try temporaryDirectory()
        let straight = try makeTrainer(straightDir)
        try straight.run()
        // 18 clean steps with growth every 4: the scale grew 4 times and 2 steps count towards the next growth.
        let final = try scaler(in: straightDir)
        #expect(Double(final.scale) == 1024 * pow(2, 4) && final.tracker == 2)

        let dir = try temporaryDirectory()
        let killed = try makeTrainer(dir, everyIterations: 5)
        killed.afterIteration = { state in if state.iteration == 13 { throw Interrupted() } }
        #expect(throws: Interrupted.self) { try killed.run() }
        // The checkpoint the resume starts from is mid-interval: the clean-step count must come back too.
        let saved = try scaler(in: dir)
        #expect(Double(saved.scale) == 1024 * pow(2, 3) && saved.tracker == 0)
        let resumed = try makeTrainer(dir, everyIterations: 5)
        try resumed.resumeFromLatest()
        #expect(resumed.state.iteration == 12)
        try resumed.run()
        #expect(try weights(resumed) == weights(straight))
        let after = try scaler(in: dir)
        #expect(after.scale == final.scale && after.tracker == final.tracker)
        // The log records the scale each step used.
        let log = try String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8)
        #expect(log.contains("\"loss_scale\""))
    }

    /// With accumulation the scaler updates once per optimiser update (mmcv's GradientCumulativeFp16OptimizerHook).
    @Test func accumulationUpdatesTheScaleOncePerUpdate() throws {
        let dir = try temporaryDirectory()
        let t = try makeTrainer(dir, cumulative: 3)
        try t.run()
        let s = try scaler(in: dir)
        // 18 steps = 6 updates; growth every 4 updates: once, 2 clean updates since.
        #expect(Double(s.scale) == 1024 * 2 && s.tracker == 2)
    }

    @Test func fp16StepSelfCheckPassesOnTheCPU() throws {
        let outcomes = try MixedPrecisionSelfCheck.run(device: .cpu)
        #expect(outcomes.count == 6)
        for o in outcomes { #expect(o.passed, "\(o.name): \(o.detail)") }
    }

    func load(_ text: String) throws -> ExperimentConfig {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("fp16.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ExperimentConfig.load(path)
    }

    @Test func configFormsAreMMDetsAndMMCVs() throws {
        #expect(try load("seed: 1\n").fp16 == nil)
        #expect(try load("fp16: {}\n").fp16?.lossScale == .fixed(512))
        #expect(try load("fp16: {loss_scale: 512.}\n").fp16?.lossScale == .fixed(512))
        #expect(try load("fp16: {loss_scale: dynamic}\n").fp16?.lossScale == .dynamic(Fp16Section.DynamicLossScale()))
        let custom = try load("fp16: {loss_scale: {init_scale: 256., growth_interval: 100}}\n").fp16
        var expected = Fp16Section.DynamicLossScale()
        expected.initScale = 256
        expected.growthInterval = 100
        #expect(custom?.lossScale == .dynamic(expected))
        let scaler = try #require(custom).makeScaler()
        #expect(scaler.isDynamic && scaler.initScale == 256 && scaler.growthInterval == 100)
    }

    @Test func badFp16SettingsNameTheKey() throws {
        let cases: [(String, String)] = [
            ("fp16: {loss_scale: -512.}\n", "fp16.loss_scale"),
            ("fp16: {loss_scale: 0}\n", "fp16.loss_scale"),
            ("fp16: {loss_scale: .inf}\n", "fp16.loss_scale"),
            ("fp16: {loss_scale: dynamical}\n", "fp16.loss_scale"),
            ("fp16: {loss_scale: dynamic, enabled: true}\n", "fp16.enabled"),
            ("fp16: {loss_scale: {init_scale: 1024., growth_intervals: 10}}\n", "fp16.loss_scale.growth_intervals"),
            ("fp16: {loss_scale: {init_scale: -1.}}\n", "fp16.loss_scale.init_scale"),
            ("fp16: {loss_scale: {growth_factor: 1.}}\n", "fp16.loss_scale.growth_factor"),
            ("fp16: {loss_scale: {backoff_factor: 1.5}}\n", "fp16.loss_scale.backoff_factor"),
            ("fp16: {loss_scale: {growth_interval: 0}}\n", "fp16.loss_scale.growth_interval"),
            ("fp16: {loss_scale: {growth_interval: often}}\n", "fp16.loss_scale.growth_interval"),
        ]
        for (text, key) in cases {
            do {
                _ = try load(text)
                Issue.record("expected an error for \(text)")
            } catch let e as ConfigError {
                #expect(e.key == key, "\(text): \(e)")
            }
        }
    }
}

/// A linear regression whose gradient is NaN at one iteration while its loss stays finite (sqrt(|w - w|) is 0,
/// its gradient 0 * inf): an overflow as the scaled backward of an fp16 step produces one.
final class OverflowingToyModel: Module, TrainableModel {
    let fc: Linear
    let overflowAt: Int?

    init(overflowAt: Int?) throws {
        fc = try Linear(4, 1, generator: try Generator(seed: 7))
        self.overflowAt = overflowAt
    }

    func step(_ batch: (Tensor, Tensor), progress: TrainingProgress) throws -> StepOutput {
        var loss = try Functional.mseLoss(fc(batch.0), batch.1)
        if progress.iteration == overflowAt { loss = try loss + (fc.weight - fc.weight.detach()).abs().sqrt().sum() }
        return StepOutput(losses: ["loss_mse": loss])
    }

    func methodState() throws -> [String: Tensor] { [:] }
    func loadMethodState(_ state: [String: Tensor]) throws {}
}

@Suite(.serialized) struct MixedPrecisionDistributedTests {
    static func train(overflowAt: Int?, dir: URL, group: ProcessGroup? = nil) throws -> [Float] {
        let model = try OverflowingToyModel(overflowAt: overflowAt)
        var scale = Fp16Section.DynamicLossScale()
        scale.initScale = 1024
        scale.growthInterval = 100
        let settings = TrainerSettings(maxEpochs: 1, logEveryIterations: 1, fp16: Fp16Section(lossScale: .dynamic(scale)))
        let trainer = try Trainer(
            model: model, source: ToySource(), optimizer: SGD(model.parameters(), lr: 0.05),
            schedule: WarmupMultiStepSchedule(milestones: [12], warmupIterations: 2), settings: settings,
            workDirectory: dir, processGroup: group)
        try trainer.run()
        return try model.fc.weight.toArray(Float.self) + model.fc.bias!.wrappedValue.toArray(Float.self)
    }

    /// Gradients are averaged before they are unscaled: a NaN on rank 1 alone reaches both ranks' averages, so
    /// both skip the step and back off, and their weights stay identical (those of one process skipping it).
    @Test func everyProcessSkipsTheStepOneProcessOverflowedIn() throws {
        let root = try temporaryDirectory()
        let ranks = try runRanks(2, timeoutSeconds: 120) { group in
            try Self.train(
                overflowAt: group.rank == 1 ? 3 : nil, dir: root.appendingPathComponent("rank\(group.rank)"), group: group)
        }
        #expect(ranks[0] == ranks[1])
        let skipped = try Self.train(overflowAt: 3, dir: root.appendingPathComponent("single-skipped"))
        let clean = try Self.train(overflowAt: nil, dir: root.appendingPathComponent("single-clean"))
        #expect(ranks[0] == skipped)
        #expect(skipped != clean, "the skipped step must change the result, or the comparison proves nothing")
        let state = try Checkpoint.read(try #require(Checkpoint.latest(in: root.appendingPathComponent("rank0")))).lossScaler
        #expect(try #require(state["scale"]).item() == 1024 * 0.5)
    }
}
