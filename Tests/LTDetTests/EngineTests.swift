import Foundation
import Testing

@testable import LTDet
@testable import Torch
import TestSupport

/// A regression MLP with a random "dropout" mask drawn from its own generator, so that an exact resume needs
/// the generator state as well as weights and optimiser state.
final class ToyModel: Module, TrainableModel {
    let fc1: Linear
    let fc2: Linear
    let generator: Generator
    let nanAtIteration: Int?

    init(seed: UInt64, nanAtIteration: Int? = nil) throws {
        let g = try Generator(seed: seed)
        fc1 = try Linear(4, 16, generator: g)
        fc2 = try Linear(16, 1, generator: g)
        generator = try Generator(seed: seed + 1)
        self.nanAtIteration = nanAtIteration
    }

    func step(_ batch: (Tensor, Tensor), progress: TrainingProgress) throws -> StepOutput {
        let mask = try Tensor.rand([16], generator: generator).gt(0.2).to(.float32)
        let prediction = try fc2(fc1(batch.0).relu() * mask)
        var loss = try Functional.mseLoss(prediction, batch.1)
        if progress.iteration == nanAtIteration { loss = try loss * Double.nan }
        return StepOutput(losses: ["loss_mse": loss], metrics: ["epoch_seen": Double(progress.epoch)])
    }

    func methodState() throws -> [String: Tensor] { ["generator": try generator.state()] }
    func loadMethodState(_ state: [String: Tensor]) throws { try generator.setState(state["generator"]!) }
}

/// 6 batches per epoch whose content depends only on (epoch, position).
final class ToySource: EpochBatchSource {
    var epoch = 1
    var position = 0
    func iterationsPerEpoch(epoch: Int) throws -> Int { 6 }
    func start(epoch: Int, position: Int) throws {
        self.epoch = epoch
        self.position = position
    }
    func next() throws -> (Tensor, Tensor)? {
        guard position < 6 else { return nil }
        defer { position += 1 }
        let g = try Generator(seed: UInt64(epoch * 1000 + position))
        let x = try Tensor.randn([8, 4], generator: g)
        return (x, try x.sum(dim: 1, keepDim: true).sin())
    }
}

struct Interrupted: Error {}

@Suite struct EngineTests {
    func makeTrainer(_ dir: URL, maxIterations: Int? = nil, nanAt: Int? = nil, everyIterations: Int? = nil)
        throws -> Trainer<ToyModel, ToySource>
    {
        let model = try ToyModel(seed: 3, nanAtIteration: nanAt)
        let optimizer = SGD(model.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4)
        let settings = TrainerSettings(
            maxEpochs: 3, maxIterations: maxIterations, checkpointEveryIterations: everyIterations,
            checkpointEveryEpochs: 1, keepCheckpoints: 2, logEveryIterations: 4)
        return try Trainer(
            model: model, source: ToySource(), optimizer: optimizer,
            schedule: WarmupMultiStepSchedule(milestones: [12], warmupIterations: 4), settings: settings,
            workDirectory: dir)
    }

    func weights(_ t: Trainer<ToyModel, ToySource>) throws -> [String: [Float]] {
        try t.model.stateDict().mapValues { try $0.toArray(Float.self) }
    }

    @Test func splitRunWithResumeEqualsStraightRun() throws {
        let straight = try makeTrainer(try temporaryDirectory())
        try straight.run()
        #expect(straight.state.iteration == 18)

        let dir = try temporaryDirectory()
        let first = try makeTrainer(dir, maxIterations: 9)
        try first.run()
        #expect(first.state.iteration == 9 && first.state.epoch == 2 && first.state.positionInEpoch == 3)
        let second = try makeTrainer(dir)
        #expect(try second.resumeFromLatest())
        try second.run()
        #expect(try weights(second) == weights(straight))
    }

    @Test func killedRunResumesFromItsLastCheckpointExactly() throws {
        let straight = try makeTrainer(try temporaryDirectory())
        try straight.run()

        let dir = try temporaryDirectory()
        let killed = try makeTrainer(dir, everyIterations: 5)
        killed.afterIteration = { state in if state.iteration == 13 { throw Interrupted() } }
        #expect(throws: Interrupted.self) { try killed.run() }
        let resumed = try makeTrainer(dir, everyIterations: 5)
        try resumed.resumeFromLatest()
        #expect(resumed.state.iteration == 12)  // epoch-end checkpoint at 12 is the newest
        try resumed.run()
        #expect(try weights(resumed) == weights(straight))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") && !$0.hasPrefix("latest.") }
        #expect(files.count == 2, "keep the last 2 checkpoints: \(files)")
    }

    @Test func nonFiniteLossStopsAndNamesTheStep() throws {
        let dir = try temporaryDirectory()
        let t = try makeTrainer(dir, nanAt: 8)
        do {
            try t.run()
            Issue.record("expected the run to stop")
        } catch let error as TrainingError {
            let text = "\(error)"
            #expect(text.contains("loss_mse") && text.contains("iteration 9") && text.contains("epoch 2"), "\(text)")
            #expect(text.contains("epoch_1.safetensors"), "\(text)")
        }
        #expect(Checkpoint.latest(in: dir)?.lastPathComponent == "epoch_1.safetensors")
    }

    @Test func logIsJSONLines() throws {
        let dir = try temporaryDirectory()
        let t = try makeTrainer(dir)
        try t.run()
        let lines = try String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 5)  // every 4 iterations of 18, plus the last
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["iter"] as? Int == 4 && first["loss_mse"] != nil && first["lr"] != nil)
        // Each row also says where it falls in its epoch (6 iterations), as mmcv's `Epoch [e][i/N]`.
        let rows = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(rows.map { $0["inner_iter"] as? Int } == [4, 2, 6, 4, 6])
        #expect(rows.allSatisfy { $0["epoch_iters"] as? Int == 6 })
        #expect(rows.map { $0["epoch"] as? Int } == [1, 2, 2, 3, 3])
        let text = try String(contentsOf: dir.appendingPathComponent("log.txt"), encoding: .utf8).split(separator: "\n")
        #expect(text.count == 5 && text[0].contains("  Epoch [1][4/6]  lr: ") && text[2].contains("  Epoch [2][6/6]  lr: "))
    }
}
