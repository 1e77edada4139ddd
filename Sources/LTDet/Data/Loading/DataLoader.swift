import Foundation
import Torch

/// Feeds batches to the training (or testing) loop: worker threads decode and transform images
/// ahead of the consumer, at most `prefetchBatches` batches ahead.
///
/// Determinism: batch order comes from the sampler (a pure function of its seed and the epoch),
/// and each sample's random choices come from its own generator derived from (seed, epoch, rank,
/// position in the epoch), so the batches do not depend on the number of workers or on thread
/// timing, and a loader restarted from `samplerState` continues exactly.
///
/// Errors: a missing or corrupt image, or one whose decoded size is not its annotation's `width` x `height`
/// (as detectron2's `check_image_size`; mmdet would silently place the annotations against the wrong frame),
/// fails the batch with an error naming the file (`.fail`), or is logged with a running count and left out of
/// its batch (`.skip`).
public final class DataLoader: Sendable {
    public enum ErrorPolicy: String, Sendable { case fail, skip }

    public struct Options: Sendable {
        public var batchSize: Int
        public var workers: Int = 2
        public var prefetchBatches: Int = 4
        public var seed: UInt64 = 0
        public var rank: Int = 0
        public var errorPolicy: ErrorPolicy = .fail
        /// Stop after this many epochs (counting from epoch 0); nil runs on.
        public var epochs: Int?
        /// Where the model runs: the loader threads copy each batch's images there (`ImageBatch.moveImages`).
        public var device: Device = .cpu

        public init(batchSize: Int, workers: Int = 2, prefetchBatches: Int = 4, seed: UInt64 = 0, rank: Int = 0,
                    errorPolicy: ErrorPolicy = .fail, epochs: Int? = nil, device: Device = .cpu) {
            self.batchSize = batchSize
            self.workers = workers
            self.prefetchBatches = prefetchBatches
            self.seed = seed
            self.rank = rank
            self.errorPolicy = errorPolicy
            self.epochs = epochs
            self.device = device
        }
    }

    /// A failure the loader met while producing a batch.
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let underlying: Error
        public var description: String { "\(underlying)" }
    }

    private let engine: LoaderEngine

    /// - Parameters:
    ///   - state: where to start (from a checkpoint); the default starts at epoch 0.
    ///   - log: where `.skip` reports what it skipped.
    public init(dataset: InstanceDataset, sampler: any Sampler, pipeline: SamplePipeline, options: Options,
                state: SamplerState = SamplerState(), log: @escaping @Sendable (String) -> Void = { print($0) }) {
        engine = LoaderEngine(dataset: dataset, sampler: sampler, pipeline: pipeline, options: options, state: state, log: log)
    }

    /// Workers hold the engine, not the loader, so dropping the loader stops them.
    deinit { engine.stop() }

    /// The sampler position after the last batch returned by `next()`: save it in checkpoints.
    public var samplerState: SamplerState { engine.deliveredSamplerState }

    /// The next batch in sampler order, or nil when `epochs` are done. Throws the first error of
    /// the batch under `.fail`.
    public func next() throws -> ImageBatch? { try engine.next() }
}

/// The shared state of a `DataLoader` and its worker threads, guarded by one condition variable.
private final class LoaderEngine: @unchecked Sendable {
    private struct Job {
        let number: Int
        let epoch: Int
        let firstPosition: Int
        let indices: [Int]
        let stateAfter: SamplerState
    }

    private let dataset: InstanceDataset
    private let pipeline: SamplePipeline
    private let options: Options
    private let log: @Sendable (String) -> Void
    private let condition = NSCondition()
    private var cursor: SamplingCursor
    private var nextJobNumber = 0
    private var deliveredCount = 0
    private var finishedPlanning = false
    private var ready: [Int: (Result<ImageBatch?, Error>, SamplerState)] = [:]
    private var stopping = false
    private var deliveredState: SamplerState
    private var skippedImages = 0

    typealias Options = DataLoader.Options
    typealias LoadError = DataLoader.LoadError

    init(dataset: InstanceDataset, sampler: any Sampler, pipeline: SamplePipeline, options: Options,
         state: SamplerState, log: @escaping @Sendable (String) -> Void) {
        precondition(options.batchSize >= 1 && options.workers >= 0 && options.prefetchBatches >= 1)
        self.dataset = dataset
        self.pipeline = pipeline
        self.options = options
        self.log = log
        cursor = SamplingCursor(sampler: sampler, state: state)
        deliveredState = state
        for w in 0 ..< options.workers {
            let thread = Thread { self.workerLoop() }
            thread.name = "ltdet-loader-\(w)"
            thread.start()
        }
    }

    /// Stops the workers; pending batches are dropped.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    var deliveredSamplerState: SamplerState {
        condition.lock()
        defer { condition.unlock() }
        return deliveredState
    }

    func next() throws -> ImageBatch? {
        while true {
            // Without workers (PyTorch's num_workers=0) the caller's thread loads each batch when it asks for it.
            if options.workers == 0, let job = takeJob() { store(job, produce(job)) }
            guard let result = takeReady() else { return nil }
            switch result {
            case .failure(let error): throw error
            case .success(let batch?): return batch
            case .success(nil): continue
            }
        }
    }

    /// The next batch in order once it is produced, or nil when the epochs are done.
    private func takeReady() -> Result<ImageBatch?, Error>? {
        condition.lock()
        defer { condition.unlock() }
        while ready[deliveredCount] == nil {
            if finishedPlanning && deliveredCount >= nextJobNumber { return nil }
            condition.wait()
        }
        let (result, state) = ready.removeValue(forKey: deliveredCount)!
        deliveredCount += 1
        deliveredState = state
        condition.broadcast()
        return result
    }

    private func store(_ job: Job, _ result: Result<ImageBatch?, Error>) {
        condition.lock()
        ready[job.number] = (result, job.stateAfter)
        condition.broadcast()
        condition.unlock()
    }

    private func takeJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while !stopping && !finishedPlanning && nextJobNumber >= deliveredCount + options.prefetchBatches {
            condition.wait()
        }
        guard !stopping, !finishedPlanning else { return nil }
        let firstPosition = cursor.state.position >= cursor.epochLength ? 0 : cursor.state.position
        let (epoch, indices) = cursor.nextBatch(size: options.batchSize)
        if let epochs = options.epochs, epoch >= epochs {
            finishedPlanning = true
            condition.broadcast()
            return nil
        }
        let job = Job(number: nextJobNumber, epoch: epoch, firstPosition: firstPosition, indices: indices, stateAfter: cursor.state)
        nextJobNumber += 1
        return job
    }

    /// Counts one more image skipped under `.skip`; returns the count so far.
    private func countSkip() -> Int {
        condition.lock()
        defer { condition.unlock() }
        skippedImages += 1
        return skippedImages
    }

    private func workerLoop() {
        while let job = takeJob() { store(job, produce(job)) }
    }

    private func produce(_ job: Job) -> Result<ImageBatch?, Error> {
        var samples: [TransformedSample] = []
        for (offset, index) in job.indices.enumerated() {
            let item = dataset.images[index]
            var generator = SplitMix64(seed: options.seed, UInt64(job.epoch), UInt64(options.rank), UInt64(job.firstPosition + offset))
            do {
                let image = try ImageFile.read(item.path)
                guard image.width == item.width, image.height == item.height else {
                    throw DatasetError.imageSizeMismatch(
                        annotationFile: dataset.annotationPath, imageID: item.id, path: item.path, annotatedWidth: item.width,
                        annotatedHeight: item.height, decodedWidth: image.width, decodedHeight: image.height)
                }
                samples.append(pipeline.apply(to: image, item: item, generator: &generator))
            } catch {
                switch options.errorPolicy {
                case .fail: return .failure(LoadError(path: item.path, underlying: error))
                case .skip: log("data loader: skipping image \(item.id) (\(countSkip()) skipped so far): \(error)")
                }
            }
        }
        guard !samples.isEmpty else { return .success(nil) }
        var batch = ImageBatch(samples: samples, normalization: pipeline.normalization,
                               sizeDivisor: pipeline.sizeDivisor, epoch: job.epoch)
        do {
            try batch.moveImages(to: options.device)
        } catch {
            return .failure(LoadError(path: "batch of \(samples.map(\.meta.imageID)) to \(options.device)", underlying: error))
        }
        return .success(batch)
    }
}
