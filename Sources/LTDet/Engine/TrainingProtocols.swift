import Torch

/// The losses of one training step: differentiable terms by name (summed into the objective) and numbers to
/// log. Terms whose name does not start with "loss" are logged but not optimised (mmdet's convention).
public struct StepOutput {
    public var losses: [String: Tensor]
    public var metrics: [String: Double]

    public init(losses: [String: Tensor], metrics: [String: Double] = [:]) {
        self.losses = losses
        self.metrics = metrics
    }
}

/// Where training is, as the model sees it.
public struct TrainingProgress: Sendable {
    /// 0-based global iteration.
    public var iteration: Int
    /// 1-based epoch (mmdet and the PCB start epoch count from 1).
    public var epoch: Int
}

/// A model the trainer can drive.
public protocol TrainableModel: Module {
    associatedtype Batch
    func step(_ batch: Batch, progress: TrainingProgress) throws -> StepOutput
    /// State that is neither a parameter nor a buffer but must survive a resume exactly: loss statistics,
    /// memory banks, the state of the model's random generators.
    func methodState() throws -> [String: Tensor]
    func loadMethodState(_ state: [String: Tensor]) throws
}

/// Batches in a deterministic order: the batch sequence of an epoch depends only on the run seed and the
/// epoch, so a resumed run can skip to any position and see exactly what the interrupted run would have.
public protocol EpochBatchSource: AnyObject {
    associatedtype Batch
    func iterationsPerEpoch(epoch: Int) throws -> Int
    /// Starts epoch `epoch` (1-based) at batch `position`.
    func start(epoch: Int, position: Int) throws
    /// The next batch of the current epoch, nil at its end.
    func next() throws -> Batch?
}

extension EpochBatchSource {
    /// How many iterations a run of `maxEpochs` epochs, cut at `maxIterations` if given, takes.
    public func totalIterations(maxEpochs: Int, maxIterations: Int?) throws -> Int {
        var total = 0
        for e in 1...maxEpochs { total += try iterationsPerEpoch(epoch: e) }
        return maxIterations.map { min(total, $0) } ?? total
    }
}
