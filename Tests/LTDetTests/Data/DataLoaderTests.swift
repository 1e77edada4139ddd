import Foundation
import Testing
@testable import LTDet
import TestSupport

@Suite(.serialized) struct DataLoaderTests {
    static func makeDataset() throws -> (InstanceDataset, URL) {
        let directory = try temporaryFile("synth")
        let configuration = SyntheticDatasetGenerator.Configuration(classes: 8, trainImages: 30, valImages: 4, imageSize: 80, seed: 2)
        try SyntheticDatasetGenerator(configuration).write(to: directory.path)
        let dataset = try InstanceDataset(
            annotationFile: directory.appendingPathComponent("annotations/train.json").path,
            options: .init(imageRoot: directory.appendingPathComponent("images").path, dropImagesWithoutAnnotations: true))
        return (dataset, directory)
    }

    static let pipeline = SamplePipeline(resize: ResizePolicy(shortSides: [64, 96, 128], maxLongSide: 200), flipProbability: 0.5)

    static func run(_ loader: DataLoader, batches: Int) throws -> [[Float]] {
        var result: [[Float]] = []
        for _ in 0 ..< batches {
            guard let batch = try loader.next() else { break }
            result.append(batch.values + batch.targets.flatMap(\.flatBoxes) + batch.metas.map { Float($0.imageID) })
        }
        return result
    }

    @Test func batchesDoNotDependOnWorkerCountAndResumeExactly() throws {
        let (dataset, directory) = try Self.makeDataset()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sampler = ShuffledSampler(count: dataset.count, seed: 4)
        let one = DataLoader(dataset: dataset, sampler: sampler, pipeline: Self.pipeline, options: .init(batchSize: 4, workers: 1, seed: 7))
        let reference = try Self.run(one, batches: 12)
        #expect(reference.count == 12)
        let three = DataLoader(dataset: dataset, sampler: sampler, pipeline: Self.pipeline, options: .init(batchSize: 4, workers: 3, prefetchBatches: 2, seed: 7))
        let first = try Self.run(three, batches: 5)
        #expect(first == Array(reference.prefix(5)))
        let state = three.samplerState
        let resumed = DataLoader(dataset: dataset, sampler: sampler, pipeline: Self.pipeline,
                                 options: .init(batchSize: 4, workers: 2, seed: 7), state: state)
        #expect(try Self.run(resumed, batches: 7) == Array(reference[5...]))
    }

    @Test func epochsLimitEndsTheStream() throws {
        let (dataset, directory) = try Self.makeDataset()
        defer { try? FileManager.default.removeItem(at: directory) }
        let loader = DataLoader(dataset: dataset, sampler: SequentialSampler(count: dataset.count), pipeline: Self.pipeline,
                                options: .init(batchSize: 8, epochs: 2))
        var images = 0, epochs = Set<Int>()
        while let batch = try loader.next() { images += batch.count; epochs.insert(batch.epoch) }
        #expect(images == 2 * dataset.count && epochs == [0, 1])
    }

    @Test func missingAndCorruptImagesFailOrSkip() throws {
        let (dataset, directory) = try Self.makeDataset()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = dataset.images[2].path, corrupt = dataset.images[3].path
        try FileManager.default.removeItem(atPath: missing)
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: corrupt))

        let failing = DataLoader(dataset: dataset, sampler: SequentialSampler(count: dataset.count), pipeline: Self.pipeline,
                                 options: .init(batchSize: 2, epochs: 1))
        _ = try failing.next()
        do {
            _ = try failing.next()
            Issue.record("a batch with a missing image loaded")
        } catch let error as DataLoader.LoadError {
            #expect(error.path == missing)
            #expect(error.underlying as? ImageCodecError == .fileNotFound(path: missing))
        }

        let logged = LogLines()
        let skipping = DataLoader(dataset: dataset, sampler: SequentialSampler(count: dataset.count), pipeline: Self.pipeline,
                                  options: .init(batchSize: 2, errorPolicy: .skip, epochs: 1), log: { logged.append($0) })
        var ids: [Int] = []
        while let batch = try skipping.next() { ids += batch.metas.map(\.imageID) }
        #expect(ids == dataset.images.map(\.id).filter { $0 != dataset.images[2].id && $0 != dataset.images[3].id })
        #expect(logged.lines.count == 2)
        #expect(logged.lines.contains { $0.contains(missing) } && logged.lines.contains { $0.contains(corrupt) && $0.contains("corrupt") })
    }

    /// An image whose decoded size is not its annotation's (detectron2's SizeMismatchError; mmdet would place the
    /// annotations against the wrong frame) fails naming the file, the image and both sizes, or is skipped and counted.
    @Test func imageOfAnotherSizeThanItsAnnotationFailsOrSkips() throws {
        let (dataset, directory) = try Self.makeDataset()
        defer { try? FileManager.default.removeItem(at: directory) }
        let item = dataset.images[1]
        try ImageFile.write(RGBImage(width: item.width + 3, height: item.height), to: item.path)

        let failing = DataLoader(dataset: dataset, sampler: SequentialSampler(count: dataset.count), pipeline: Self.pipeline,
                                 options: .init(batchSize: 2, epochs: 1))
        do {
            _ = try failing.next()
            Issue.record("an image of another size than its annotation loaded")
        } catch let error as DataLoader.LoadError {
            #expect(error.path == item.path)
            #expect(error.underlying as? DatasetError == .imageSizeMismatch(
                annotationFile: dataset.annotationPath, imageID: item.id, path: item.path, annotatedWidth: item.width,
                annotatedHeight: item.height, decodedWidth: item.width + 3, decodedHeight: item.height))
            for f in [item.path, "image \(item.id)", "'width' \(item.width)", "\(item.width + 3) x \(item.height)"] {
                #expect("\(error)".contains(f), "'\(f)' missing from: \(error)")
            }
        }

        let logged = LogLines()
        let skipping = DataLoader(dataset: dataset, sampler: SequentialSampler(count: dataset.count), pipeline: Self.pipeline,
                                  options: .init(batchSize: 2, errorPolicy: .skip, epochs: 1), log: { logged.append($0) })
        var ids: [Int] = []
        while let batch = try skipping.next() { ids += batch.metas.map(\.imageID) }
        #expect(ids == dataset.images.map(\.id).filter { $0 != item.id })
        #expect(logged.lines.count == 1 && logged.lines[0].contains("(1 skipped so far)") && logged.lines[0].contains(item.path))
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
}
