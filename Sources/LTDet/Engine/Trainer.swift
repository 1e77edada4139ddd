import Foundation
import Torch

/// Why training stopped early.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(iteration: Int, epoch: Int, term: String, value: Double, lastCheckpoint: String?)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let iteration, let epoch, let term, let value, let last):
            return "training stopped: \(term) = \(value) at iteration \(iteration + 1) (epoch \(epoch)); "
                + (last.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written yet")
        }
    }
}

/// How long to train and how often to save, log and evaluate.
public struct TrainerSettings: Sendable {
    public var maxEpochs: Int
    /// Stop after this many iterations even inside an epoch (nil: run all epochs).
    public var maxIterations: Int?
    public var checkpointEveryIterations: Int?
    public var checkpointEveryEpochs: Int?
    public var keepCheckpoints: Int
    public var logEveryIterations: Int
    public var evaluateEveryEpochs: Int?
    public var clipGradNorm: Double?

    public init(
        maxEpochs: Int, maxIterations: Int? = nil, checkpointEveryIterations: Int? = nil,
        checkpointEveryEpochs: Int? = 1, keepCheckpoints: Int = 3, logEveryIterations: Int = 20,
        evaluateEveryEpochs: Int? = nil, clipGradNorm: Double? = nil
    ) {
        self.maxEpochs = maxEpochs
        self.maxIterations = maxIterations
        self.checkpointEveryIterations = checkpointEveryIterations
        self.checkpointEveryEpochs = checkpointEveryEpochs
        self.keepCheckpoints = keepCheckpoints
        self.logEveryIterations = logEveryIterations
        self.evaluateEveryEpochs = evaluateEveryEpochs
        self.clipGradNorm = clipGradNorm
    }
}

/// The training loop: schedule, step, checks, logging, checkpoints, evaluation, exact resume.
public final class Trainer<Model: TrainableModel, Source: EpochBatchSource> where Source.Batch == Model.Batch {
    public let model: Model
    public let source: Source
    public let optimizer: any Optimizer
    /// The schedule in iterations (an epoch-based schedule is converted by the caller).
    public let schedule: any LRSchedule
    public let settings: TrainerSettings
    public let workDirectory: URL
    /// Called after an epoch when evaluation is due; returns metrics to log.
    public var evaluate: ((Model, Int) throws -> [String: Double])?
    /// Called after every iteration (tests use it to interrupt a run).
    public var afterIteration: ((TrainerState) throws -> Void)?
    public private(set) var state = TrainerState()
    private var lastCheckpoint: URL?
    private var lastCheckpointIteration: Int?
    private var lastEvaluationIteration: Int?
    private let log: JSONLinesLog

    public init(
        model: Model, source: Source, optimizer: any Optimizer, schedule: any LRSchedule, settings: TrainerSettings,
        workDirectory: URL
    ) throws {
        self.model = model
        self.source = source
        self.optimizer = optimizer
        self.schedule = schedule
        self.settings = settings
        self.workDirectory = workDirectory
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        log = try JSONLinesLog(url: workDirectory.appendingPathComponent("log.jsonl"))
    }

    /// Restores model, optimiser, method state and position from a checkpoint.
    public func resume(from url: URL) throws {
        let ckpt = try Checkpoint.read(url)
        try model.load(stateDict: ckpt.model)
        try optimizer.loadStateDict(ckpt.optimizer)
        try model.loadMethodState(ckpt.method)
        state = ckpt.state
        lastCheckpoint = url
        lastCheckpointIteration = state.iteration
        FileHandle.standardError.write(
            Data("resumed from \(url.path) at iteration \(state.iteration), epoch \(state.epoch)\n".utf8))
    }

    /// Resumes from the newest complete checkpoint of the work directory, if there is one. Returns whether it did.
    @discardableResult
    public func resumeFromLatest() throws -> Bool {
        guard let url = Checkpoint.latest(in: workDirectory) else { return false }
        try resume(from: url)
        return true
    }

    public func saveCheckpoint() throws {
        let ckpt = Checkpoint(
            model: model.stateDict(), optimizer: try optimizer.stateDict(), method: try model.methodState(),
            state: state)
        lastCheckpoint = try ckpt.write(directory: workDirectory, name: "iter_\(state.iteration)")
        lastCheckpointIteration = state.iteration
        Checkpoint.prune(directory: workDirectory, keep: settings.keepCheckpoints)
    }

    public func run() throws {
        model.train()
        let totalIterations = try source.totalIterations(
            maxEpochs: settings.maxEpochs, maxIterations: settings.maxIterations)
        let progress = ProgressReporter(total: totalIterations, label: "train", startingAt: state.iteration)
        let runStart = Date().addingTimeInterval(-state.elapsedSeconds)
        var window: [String: Double] = [:]
        var windowCount = 0

        while state.epoch <= settings.maxEpochs, state.iteration < totalIterations {
            try source.start(epoch: state.epoch, position: state.positionInEpoch)
            while state.iteration < totalIterations, let batch = try source.next() {
                schedule.apply(to: optimizer, iteration: state.iteration)
                let output = try model.step(batch, progress: TrainingProgress(iteration: state.iteration, epoch: state.epoch))
                var values: [String: Double] = [:]
                var objective: Tensor?
                for name in output.losses.keys.sorted() {
                    let term = output.losses[name]!
                    let v = try term.item()
                    guard v.isFinite else {
                        throw TrainingError.nonFiniteLoss(
                            iteration: state.iteration, epoch: state.epoch, term: name, value: v,
                            lastCheckpoint: lastCheckpoint?.path)
                    }
                    values[name] = v
                    if name.hasPrefix("loss") {
                        if let sum = objective { objective = try sum + term } else { objective = term }
                    }
                }
                guard let total = objective else { throw TorchError("the model returned no loss term") }
                values["loss"] = try total.item()
                try optimizer.zeroGrad()
                try total.backward()
                if let maxNorm = settings.clipGradNorm {
                    values["grad_norm"] = try clipGradNorm(optimizer.allParameters, maxNorm: maxNorm)
                }
                try optimizer.step()
                for (k, v) in output.metrics { values[k] = v }

                state.iteration += 1
                state.positionInEpoch += 1
                state.elapsedSeconds = Date().timeIntervalSince(runStart)
                for (k, v) in values { window[k, default: 0] += v }
                windowCount += 1
                if state.iteration % settings.logEveryIterations == 0 || state.iteration == totalIterations {
                    var entry = window.mapValues { $0 / Double(windowCount) }
                    entry["lr"] = optimizer.groups.first?.lr ?? 0
                    try log.append(mode: "train", epoch: state.epoch, iteration: state.iteration, values: entry)
                    window = [:]
                    windowCount = 0
                }
                progress.update(state.iteration, detail: String(format: "loss %.4f lr %.2e", values["loss"] ?? 0, optimizer.groups.first?.lr ?? 0))
                if let every = settings.checkpointEveryIterations, state.iteration % every == 0 { try saveCheckpoint() }
                try afterIteration?(state)
            }
            // Stopped inside an epoch by maxIterations: the epoch is not finished.
            let epochLength = try source.iterationsPerEpoch(epoch: state.epoch)
            if state.iteration >= totalIterations && state.positionInEpoch < epochLength { break }
            let finished = state.epoch
            state.epoch += 1
            state.positionInEpoch = 0
            if let every = settings.checkpointEveryEpochs, finished % every == 0 || finished == settings.maxEpochs {
                try saveCheckpoint()
            }
            if let every = settings.evaluateEveryEpochs, finished % every == 0 || finished == settings.maxEpochs {
                try runEvaluation(epoch: finished)
            }
        }
        if lastCheckpointIteration != state.iteration { try saveCheckpoint() }
        // A run cut short by maxIterations still ends with an evaluation of what it learned.
        if settings.evaluateEveryEpochs != nil, lastEvaluationIteration != state.iteration {
            try runEvaluation(epoch: state.epoch)
        }
    }

    private func runEvaluation(epoch: Int) throws {
        guard let evaluate else { return }
        model.eval()
        let metrics = try evaluate(model, epoch)
        model.train()
        lastEvaluationIteration = state.iteration
        try log.append(mode: "val", epoch: epoch, iteration: state.iteration, values: metrics)
    }
}

/// Appends one JSON object per line: {"mode", "epoch", "iter", values...}; what plots and tools read.
final class JSONLinesLog {
    let url: URL

    init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
    }

    func append(mode: String, epoch: Int, iteration: Int, values: [String: Double]) throws {
        var object: [String: Any] = ["mode": mode, "epoch": epoch, "iter": iteration]
        for (k, v) in values { object[k] = v.isFinite ? v : String(v) }
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        line.append(0x0A)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }
}
