/// Feeds the trainer from a `DataLoader`: one loader per epoch, started at the trainer's position, so that
/// the batches after a resume are exactly those the interrupted run would have seen. Trainer epochs count
/// from 1, sampler epochs from 0.
public final class LoaderBatchSource: EpochBatchSource {
    public let dataset: InstanceDataset
    public let sampler: any Sampler
    public let pipeline: SamplePipeline
    public let options: DataLoader.Options
    private var loader: DataLoader?
    private var epochLengths: [Int: Int] = [:]

    public init(dataset: InstanceDataset, sampler: any Sampler, pipeline: SamplePipeline, options: DataLoader.Options) {
        self.dataset = dataset
        self.sampler = sampler
        self.pipeline = pipeline
        self.options = options
    }

    public func iterationsPerEpoch(epoch: Int) throws -> Int {
        if let n = epochLengths[epoch] { return n }
        let samples = sampler.indices(forEpoch: epoch - 1).count
        let n = (samples + options.batchSize - 1) / options.batchSize
        epochLengths[epoch] = n
        return n
    }

    public func start(epoch: Int, position: Int) throws {
        var options = self.options
        options.epochs = epoch  // stop at the end of this epoch (sampler epochs 0..<epoch)
        loader = nil  // stop the previous epoch's workers first
        loader = DataLoader(
            dataset: dataset, sampler: sampler, pipeline: pipeline, options: options,
            state: SamplerState(epoch: epoch - 1, position: position * options.batchSize))
    }

    public func next() throws -> ImageBatch? { try loader?.next() }
}
