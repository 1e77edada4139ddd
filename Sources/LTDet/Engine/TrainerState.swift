/// Where a training run is, saved beside the tensors of a checkpoint.
public struct TrainerState: Codable, Sendable, Equatable {
    /// Iterations completed.
    public var iteration: Int
    /// 1-based epoch in progress.
    public var epoch: Int
    /// Batches of that epoch already consumed.
    public var positionInEpoch: Int
    public var elapsedSeconds: Double

    public init(iteration: Int = 0, epoch: Int = 1, positionInEpoch: Int = 0, elapsedSeconds: Double = 0) {
        self.iteration = iteration
        self.epoch = epoch
        self.positionInEpoch = positionInEpoch
        self.elapsedSeconds = elapsedSeconds
    }
}
