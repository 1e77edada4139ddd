import Foundation
import Torch

/// The training loop: batches in, one step each, and hooks at every event (schedule, optimiser update,
/// checkpoints, evaluation, logging; docs/developer/engine.md shows the order). A run resumed from a
/// checkpoint continues exactly as the interrupted one would have.
public final class Trainer<Model: TrainableModel, Source: EpochBatchSource> where Source.Batch == Model.Batch {
    public let model: Model
    public let source: Source
    public let optimizer: any Optimizer
    /// The schedule in iterations (an epoch-based schedule is converted by the caller).
    public let schedule: any LRSchedule
    public let settings: TrainerSettings
    public let workDirectory: URL
    /// Called after every iteration, after the other hooks (tests use it to interrupt a run).
    public var afterIteration: ((TrainerState) throws -> Void)?
    /// The hooks in the order they run.
    public private(set) var hooks: [any TrainerHook] = []
    private let training: TrainingRun

    public var state: TrainerState { training.state }
    /// The classes of the training set, stored in every checkpoint this trainer writes.
    public var checkpointClasses: CheckpointClasses? {
        get { training.classes }
        set { training.classes = newValue }
    }

    /// A trainer with the standard hooks: the learning-rate schedule, the optimiser update (with
    /// `settings.clipGradNorm`, accumulated over `settings.cumulativeIterations` steps), checkpoints and logging.
    /// With a `processGroup` the update averages gradients over its processes and only rank 0 writes
    /// checkpoints and logs.
    public init(
        model: Model, source: Source, optimizer: any Optimizer, schedule: any LRSchedule, settings: TrainerSettings,
        workDirectory: URL, processGroup: ProcessGroup? = nil
    ) throws {
        self.model = model
        self.source = source
        self.optimizer = optimizer
        self.schedule = schedule
        self.settings = settings
        self.workDirectory = workDirectory
        let writesFiles = (processGroup?.rank ?? 0) == 0
        training = try TrainingRun(
            model: model, optimizer: optimizer, settings: settings, workDirectory: workDirectory, writesFiles: writesFiles)
        register(LRScheduleHook(schedule: schedule))
        if let processGroup {
            guard settings.cumulativeIterations == 1 else {
                throw TorchError(
                    "optimizer.cumulative_iters: gradient accumulation is not combined with several processes yet "
                        + "(\(processGroup.worldSize) processes, cumulative_iters \(settings.cumulativeIterations))")
            }
            register(DistributedOptimizerHook(group: processGroup, clipGradNorm: settings.clipGradNorm))
            register(DistributedLogAveragingHook(group: processGroup))
        } else if settings.cumulativeIterations > 1 {
            register(GradientCumulativeOptimizerHook(
                cumulativeIterations: settings.cumulativeIterations, clipGradNorm: settings.clipGradNorm))
        } else {
            register(OptimizerHook(clipGradNorm: settings.clipGradNorm))
        }
        if writesFiles {
            register(CheckpointHook())
            register(LoggerHook())
        }
        register(StepCallbackHook { [unowned self] run in try self.afterIteration?(run.state) })
    }

    /// Adds a hook after those of lower or equal priority.
    public func register(_ hook: any TrainerHook) {
        let index = hooks.firstIndex { $0.priority > hook.priority } ?? hooks.endIndex
        hooks.insert(hook, at: index)
    }

    /// Restores model, optimiser, method state and position from the checkpoint at `url` (`checkpoint`, when
    /// the caller has already read it).
    public func resume(from url: URL, checkpoint: Checkpoint? = nil) throws {
        try training.restore(from: checkpoint ?? Checkpoint.read(url), at: url)
        reportToStandardError("resumed from \(url.path) at iteration \(state.iteration), epoch \(state.epoch)")
    }

    /// Resumes from the newest checkpoint of the work directory that reads back whole, if there is one.
    /// Returns whether it did.
    @discardableResult
    public func resumeFromLatest() throws -> Bool {
        guard let (url, checkpoint) = Checkpoint.newestReadable(in: workDirectory, report: reportToStandardError)
        else { return false }
        try resume(from: url, checkpoint: checkpoint)
        return true
    }

    public func saveCheckpoint() throws { try training.saveCheckpoint() }

    public func run() throws {
        model.train()
        training.totalIterations = try source.totalIterations(
            maxEpochs: settings.maxEpochs, maxIterations: settings.maxIterations)
        let runStart = Date().addingTimeInterval(-state.elapsedSeconds)
        try hooks.forEach { try $0.beforeRun(training) }
        while state.epoch <= settings.maxEpochs, !training.isFinished {
            try source.start(epoch: state.epoch, position: state.positionInEpoch)
            training.iterationsInEpoch = try source.iterationsPerEpoch(epoch: state.epoch)
            try hooks.forEach { try $0.beforeEpoch(training) }
            while !training.isFinished, let batch = try nextBatch() {
                try step(batch, runStart: runStart)
            }
            // Stopped inside an epoch by maxIterations: the epoch is not finished.
            if training.isFinished, state.positionInEpoch < (try source.iterationsPerEpoch(epoch: state.epoch)) { break }
            let finished = state.epoch
            training.state.epoch += 1
            training.state.positionInEpoch = 0
            try hooks.forEach { try $0.afterEpoch(training, epoch: finished) }
        }
        try hooks.forEach { try $0.afterRun(training) }
    }

    /// One iteration: the hooks before it, the forward pass and its losses, the position advanced, the hooks
    /// after it (optimiser update, checkpoint, logging).
    private func step(_ batch: Model.Batch, runStart: Date) throws {
        try hooks.forEach { try $0.beforeStep(training) }
        let progress = TrainingProgress(iteration: state.iteration, epoch: state.epoch)
        let output = try forward { try model.step(batch, progress: progress) }
        let losses = try StepLosses(output, run: training)
        training.losses = losses
        training.values = losses.values.merging(output.metrics) { _, metric in metric }
        training.state.iteration += 1
        training.state.positionInEpoch += 1
        training.state.elapsedSeconds = Date().timeIntervalSince(runStart)
        try hooks.forEach { try $0.afterStep(training) }
        training.losses = nil
    }

    /// The forward pass, under autocast in a mixed-precision run (mmcv's `auto_fp16` on the detector's
    /// forward): on this thread, the one that runs it, for the type of device the model's parameters are on, in
    /// that device's reduced type (float16 on CUDA, bfloat16 on the CPU). Leaving the region clears the cast
    /// cache, so every step casts the weights the last update wrote. Backward runs outside, as in PyTorch.
    private func forward(_ body: () throws -> StepOutput) throws -> StepOutput {
        guard settings.fp16 != nil else { return try body() }
        let device = model.parameters().first?.wrappedValue.device ?? .cpu
        return try Autocast.enabled(for: device, body)
    }

    /// The next batch of the epoch, timing the wait (what the log reports as `data_time`).
    private func nextBatch() throws -> Model.Batch? {
        let start = Date()
        let batch = try source.next()
        training.dataSeconds = Date().timeIntervalSince(start)
        return batch
    }
}
