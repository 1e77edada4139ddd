import Foundation
import Testing

@testable import LTDet

/// `workers_per_gpu: 0` (a common debug setting) used to trap; it loads in the calling thread, as PyTorch does.
@Suite struct MainThreadLoadingTests {
    @Test func zeroWorkersGiveTheSameBatchesInTheCallingThread() throws {
        let (dataset, directory) = try DataLoaderTests.makeDataset()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sampler = ShuffledSampler(count: dataset.count, seed: 4)
        let threaded = DataLoader(
            dataset: dataset, sampler: sampler, pipeline: DataLoaderTests.pipeline,
            options: .init(batchSize: 4, workers: 2, seed: 7, epochs: 1))
        let inline = DataLoader(
            dataset: dataset, sampler: sampler, pipeline: DataLoaderTests.pipeline,
            options: .init(batchSize: 4, workers: 0, seed: 7, epochs: 1))
        let expected = try DataLoaderTests.run(threaded, batches: 100)
        #expect(!expected.isEmpty)
        #expect(try DataLoaderTests.run(inline, batches: 100) == expected)
    }

    /// A batch whose images are all skipped is passed over, not waited for.
    @Test func zeroWorkersSkipAWhollyMissingBatch() throws {
        let (dataset, directory) = try DataLoaderTests.makeDataset()
        defer { try? FileManager.default.removeItem(at: directory) }
        for image in dataset.images.prefix(2) { try FileManager.default.removeItem(atPath: image.path) }
        let loader = DataLoader(
            dataset: dataset, sampler: SequentialSampler(count: dataset.count), pipeline: DataLoaderTests.pipeline,
            options: .init(batchSize: 2, workers: 0, errorPolicy: .skip, epochs: 1), log: { _ in })
        var images = 0
        while let batch = try loader.next() { images += batch.count }
        #expect(images == dataset.count - 2)
    }
}
