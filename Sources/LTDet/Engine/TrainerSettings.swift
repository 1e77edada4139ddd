/// How long to train and how often to save and log; what the standard hooks of a `Trainer` are built from.
public struct TrainerSettings: Sendable {
    public var maxEpochs: Int
    /// Stop after this many iterations even inside an epoch (nil: run all epochs).
    public var maxIterations: Int?
    public var checkpointEveryIterations: Int?
    public var checkpointEveryEpochs: Int?
    public var keepCheckpoints: Int
    public var logEveryIterations: Int
    public var clipGradNorm: Double?
    /// Steps whose gradients are summed before each optimiser update (1: every step updates).
    public var cumulativeIterations: Int
    /// Mixed precision: autocast around the forward pass and a loss scaler in the optimiser hook (nil: float32).
    public var fp16: Fp16Section?

    public init(
        maxEpochs: Int, maxIterations: Int? = nil, checkpointEveryIterations: Int? = nil,
        checkpointEveryEpochs: Int? = 1, keepCheckpoints: Int = 3, logEveryIterations: Int = 20,
        clipGradNorm: Double? = nil, cumulativeIterations: Int = 1, fp16: Fp16Section? = nil
    ) {
        self.maxEpochs = maxEpochs
        self.maxIterations = maxIterations
        self.checkpointEveryIterations = checkpointEveryIterations
        self.checkpointEveryEpochs = checkpointEveryEpochs
        self.keepCheckpoints = keepCheckpoints
        self.logEveryIterations = logEveryIterations
        self.clipGradNorm = clipGradNorm
        self.cumulativeIterations = cumulativeIterations
        self.fp16 = fp16
    }
}
