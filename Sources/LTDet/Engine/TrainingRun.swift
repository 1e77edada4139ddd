import Foundation
import Torch

/// What the hooks of a training run see and share: the model and optimiser, where the run is, the losses of
/// the step in progress and the values to log for it, the log and the newest checkpoint.
public final class TrainingRun {
    public let model: any TrainableModel
    public let optimizer: any Optimizer
    public let settings: TrainerSettings
    public let workDirectory: URL
    public let log: JSONLinesLog
    public internal(set) var state = TrainerState()
    /// Iterations of the whole run (epochs, cut at `settings.maxIterations`); set when the run starts.
    public internal(set) var totalIterations = 0
    /// Iterations of the epoch in progress (the whole epoch, also when `settings.maxIterations` cuts it); set when
    /// the epoch starts.
    public internal(set) var iterationsInEpoch = 0
    /// The losses of the step in progress, from its forward pass on.
    public internal(set) var losses: StepLosses?
    /// Seconds the step in progress waited for its batch.
    public internal(set) var dataSeconds = 0.0
    /// Numbers of the step in progress to log: the loss terms, the model's metrics, and what hooks add
    /// (`grad_norm`, ...).
    public var values: [String: Double] = [:]
    /// The loss scaler of a mixed-precision run (`settings.fp16`), which the optimiser hooks use; its state is
    /// checkpointed with the optimiser's.
    public let lossScaler: GradScaler?
    /// The classes of the training set, written into every checkpoint (nil: none are known).
    public var classes: CheckpointClasses?
    public internal(set) var lastCheckpoint: URL?
    public internal(set) var lastCheckpointIteration: Int?

    /// Whether this process writes the run's files: the only process, or rank 0 of a group. The others create
    /// nothing, not even the work directory (on another machine it would stay empty).
    public let writesFiles: Bool

    init(
        model: any TrainableModel, optimizer: any Optimizer, settings: TrainerSettings, workDirectory: URL,
        writesFiles: Bool = true
    ) throws {
        self.model = model
        self.optimizer = optimizer
        self.settings = settings
        self.workDirectory = workDirectory
        lossScaler = try settings.fp16?.makeScaler()
        self.writesFiles = writesFiles
        if writesFiles {
            try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
            Checkpoint.removeStaleTemporaries(in: workDirectory, report: reportToStandardError)
        }
        log = JSONLinesLog(url: workDirectory.appendingPathComponent("log.jsonl"))
    }

    public var isFinished: Bool { state.iteration >= totalIterations }

    /// The learning rate of the first parameter group, the one logs report.
    public var learningRate: Double { optimizer.groups.first?.lr ?? 0 }

    /// Writes `epoch_N` or `iter_N` (weights, optimiser, method state, position), points `latest` at it and
    /// keeps the newest `settings.keepCheckpoints`.
    public func saveCheckpoint() throws {
        let checkpoint = Checkpoint(
            model: model.stateDict(), optimizer: try optimizer.stateDict(), method: try model.methodState(),
            state: state, lossScaler: try lossScaler?.stateDict() ?? [:], classes: classes)
        let name = Checkpoint.name(for: state)
        lastCheckpoint = try checkpoint.write(directory: workDirectory, name: name)
        lastCheckpointIteration = state.iteration
        try Checkpoint.pointLatest(directory: workDirectory, to: name)
        Checkpoint.prune(directory: workDirectory, keep: settings.keepCheckpoints)
    }

    /// Takes model, optimiser, method state and position from a checkpoint read from `url`. The log keeps only
    /// the entries up to the checkpoint: the iterations after it are run (and logged) again.
    func restore(from checkpoint: Checkpoint, at url: URL) throws {
        try model.load(stateDict: checkpoint.model)
        try optimizer.loadStateDict(checkpoint.optimizer)
        try model.loadMethodState(checkpoint.method)
        try restoreLossScaler(from: checkpoint, at: url)
        state = checkpoint.state
        lastCheckpoint = url
        lastCheckpointIteration = state.iteration
        try log.dropEntries(after: state.iteration)
    }

    /// The scaler continues from the checkpoint's scale and clean-step count, as mmcv's Fp16OptimizerHook
    /// resumes from `meta['fp16']['loss_scaler']`. A checkpoint of a float32 run has none: the scaler starts
    /// afresh; a mixed-precision checkpoint resumed in float32 drops its scaler state, said once.
    private func restoreLossScaler(from checkpoint: Checkpoint, at url: URL) throws {
        guard !checkpoint.lossScaler.isEmpty else { return }
        guard let lossScaler else {
            reportToStandardError("\(url.path): has loss-scaler state from a mixed-precision run; this run has no fp16 and ignores it")
            return
        }
        do {
            try lossScaler.loadStateDict(checkpoint.lossScaler)
        } catch {
            throw TorchError("\(url.path): \(error)")
        }
    }
}
