import Torch

/// Where one training step is and what it may use: the single value every training-time call below the
/// trainer receives, instead of separate epoch/iteration/generator parameters threaded through each signature.
public struct TrainingStepContext {
    /// 0-based global iteration.
    public var iteration: Int
    /// 1-based epoch (mmdet and PCB's start epoch count from 1).
    public var epoch: Int
    /// Draws the RPN and RoI samples and any component's random choices, so one saved generator state
    /// reproduces the whole step on resume.
    public var generator: Generator
    /// The process group's collectives (single process: identity).
    public var collectives: ProcessCollectives

    public init(iteration: Int, epoch: Int, generator: Generator, collectives: ProcessCollectives = .singleProcess) {
        self.iteration = iteration
        self.epoch = epoch
        self.generator = generator
        self.collectives = collectives
    }
}
