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
    /// The classes of the training set, written into every checkpoint (nil: none are known).
    public var classes: CheckpointClasses?
    public internal(set) var lastCheckpoint: URL?
    public internal(set) var lastCheckpointIteration: Int?

    init(model: any TrainableModel, optimizer: any Optimizer, settings: TrainerSettings, workDirectory: URL) throws {
        self.model = model
        self.optimizer = optimizer
        self.settings = settings
        self.workDirectory = workDirectory
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        Checkpoint.removeStaleTemporaries(in: workDirectory, report: reportToStandardError)
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
            state: state, classes: classes)
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
        state = checkpoint.state
        lastCheckpoint = url
        lastCheckpointIteration = state.iteration
        try log.dropEntries(after: state.iteration)
    }
}
