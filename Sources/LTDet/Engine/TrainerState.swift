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

    /// What makes a decoded state impossible (a sidecar edited or from elsewhere), or nil.
    var problem: String? {
        if iteration < 0 { return "'iteration' must be at least 0, not \(iteration)" }
        if epoch < 1 { return "'epoch' must be at least 1, not \(epoch)" }
        if positionInEpoch < 0 { return "'positionInEpoch' must be at least 0, not \(positionInEpoch)" }
        if !(elapsedSeconds.isFinite && elapsedSeconds >= 0) {
            return "'elapsedSeconds' must be a finite number of at least 0, not \(elapsedSeconds)"
        }
        return nil
    }
}
