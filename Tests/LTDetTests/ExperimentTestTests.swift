import Foundation
import LVISKit
import Testing
import Torch

@testable import LTDet
import TestSupport

/// `ltdet test`'s path (`DetectionExperiment.test`): a checkpoint is tested without the ImageNet weights the
/// config names, and predicts and evaluates exactly as training's evaluation of the same weights did.
@Suite struct ExperimentTestTests {
    @Test func testsACheckpointWithoutPretrainedWeightsAsTrainingEvaluates() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        let synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 4, valImages: 2, imageSize: 64, seed: 4)
        _ = try SyntheticDatasetGenerator(synth).write(to: data)

        let work = root.appendingPathComponent("work")
        let training = try DetectorResumeTests().experiment(data: data, work: work, maxIters: 1)
        var config = training.config
        config.evaluation.metric = ["bbox"]
        let trained = try DetectionExperiment(config: config, workDirectory: work).train(resume: false)
        let checkpoint = try #require(Checkpoint.latest(in: work))
        let trainingResults = try #require(
            try FileManager.default.contentsOfDirectory(atPath: work.path).first { $0.hasSuffix(".results.json") })

        config.pretrained = root.appendingPathComponent("pretrained/missing.pth").path
        let experiment = DetectionExperiment(config: config, workDirectory: root.appendingPathComponent("test"))
        #expect(throws: (any Error).self) { try experiment.makeModel() }
        let resultsFile = root.appendingPathComponent("test/out/results.json")
        let tested = try experiment.test(checkpoint: checkpoint, iouTypes: [.bbox], resultsFile: resultsFile)

        #expect(try Data(contentsOf: resultsFile) == Data(contentsOf: work.appendingPathComponent(trainingResults)))
        #expect(tested.map(\.0) == trained.map(\.0))
        #expect(tested.map { $0.1.metrics.map(\.1) } == trained.map { $0.1.metrics.map(\.1) })
        // The per-class table lands beside the results, one row per category with the evaluation's AP.
        let table = try CategoryResultsTable.read(csvFile: root.appendingPathComponent("test/out/per_class.csv").path)
        let summary = try #require(tested.first).1
        #expect(table.rows.count == summary.categoryIds.count)
        #expect(table.rows.allSatisfy { $0.ap[.bbox] == summary.perCategoryAP[$0.id] })
    }
}
