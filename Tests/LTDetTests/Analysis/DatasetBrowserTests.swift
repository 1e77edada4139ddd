import Foundation
import Testing

@testable import LTDet
import TestSupport

/// `ltdet browse-dataset`: the training pipeline's output with its ground truth, the same pictures for the same seed.
@Suite struct DatasetBrowserTests {
    @Test func drawsTheTransformedImagesReproducibly() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        let synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 4, valImages: 2, imageSize: 64, seed: 4)
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let experiment = try DetectorResumeTests().experiment(data: data, work: root.appendingPathComponent("work"), maxIters: 1)
        let first = try DatasetBrowser.writeImages(
            experiment: experiment, training: true, to: root.appendingPathComponent("a").path, limit: 2, seed: 1)
        let again = try DatasetBrowser.writeImages(
            experiment: experiment, training: true, to: root.appendingPathComponent("b").path, limit: 2, seed: 1)
        #expect(first.count == 2)
        for (a, b) in zip(first, again) { #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b))) }
        #expect(try ImageFile.read(first[0]).width >= 56)
    }
}
