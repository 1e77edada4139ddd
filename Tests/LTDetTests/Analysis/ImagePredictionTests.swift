import Foundation
import LVISKit
import Testing

@testable import LTDet
import TestSupport

/// `ltdet predict`'s path: image files outside any dataset go through the test pipeline as evaluation does.
@Suite struct ImagePredictionTests {
    @Test func predictsOnImageFilesAsOnTheirDataset() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        let synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 4, valImages: 2, imageSize: 64, seed: 4)
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let work = root.appendingPathComponent("work")
        let experiment = try DetectorResumeTests().experiment(data: data, work: work, maxIters: 1)
        try experiment.train(resume: false)
        let checkpoint = try #require(Checkpoint.latest(in: work))

        let val = try experiment.loadDataset(experiment.config.data.val, training: false)
        let files = val.images.map(\.path)
        let categories = try LVISDataset.load(path: experiment.config.data.val.annFile).categories
        let prediction = try ImagePrediction(experiment: experiment, checkpoint: checkpoint, files: files, categories: categories)

        // The same detections as predicting on the dataset, image by image (ids differ: 1..n in file order).
        let model = try experiment.makeModel(initialWeights: false)
        try model.load(stateDict: try Checkpoint.read(checkpoint).model)
        let direct = try DetectionInference.predict(model: model, dataset: val, pipeline: experiment.testPipeline)
        for (index, image) in val.images.enumerated() {
            let a = prediction.results.filter { $0.imageId == index + 1 }.map { [$0.score] + $0.bbox! }
            let b = direct.filter { $0.imageId == image.id }.map { [$0.score] + $0.bbox! }
            #expect(a == b)
        }

        // The training run stored its classes in the checkpoint: prediction needs no annotation file.
        let stored = try #require(try Checkpoint.read(checkpoint).classes)
        #expect(stored.names == val.labels.names && stored.categoryIDs == val.labels.categoryIDs)
        let train = try experiment.loadDataset(experiment.config.data.train, training: true)
        #expect(stored.trainingImages == train.labels.categoryIDs.map { id in train.imageCategories.filter { $0.contains(id) }.count })
        var withoutFiles = experiment.config
        withoutFiles.data.val.annFile = root.appendingPathComponent("missing.json").path
        let fromCheckpoint = try ImagePrediction(
            experiment: DetectionExperiment(config: withoutFiles, workDirectory: work), checkpoint: checkpoint, files: files,
            categories: nil)
        #expect(fromCheckpoint.results.map(\.score) == prediction.results.map(\.score))
        #expect(fromCheckpoint.images.categories.map(\.name) == categories.map(\.name))

        let out = root.appendingPathComponent("predict").path
        let pictures = try prediction.write(to: out, minScore: 0)
        #expect(pictures.count == files.count)
        let written = try LVISDataset.load(path: out + "/images.json")
        #expect(written.images.map(\.fileName) == files.map { URL(fileURLWithPath: $0).standardized.path })
        #expect(try DetectionResults.load(path: out + "/results.json").count == prediction.results.count)
    }

    @Test func aFolderWithoutImagesIsAnErrorNamingIt() throws {
        let dir = try temporaryDirectory()
        #expect { try ImagePrediction.imageFiles(at: dir.path) } throws: { "\($0)".contains(dir.path) }
        #expect { try ImagePrediction.imageFiles(at: dir.path + "/missing.jpg") } throws: { "\($0)".contains("does not exist") }
    }

    @Test func groundTruthBesidePredictionsKeepsBothPanels() throws {
        var left = Canvas(width: 30, height: 20, background: .black)
        left.fillRect(x0: 0, y0: 0, x1: 30, y1: 20, color: Color(200, 0, 0))
        let right = Canvas(width: 40, height: 25, background: Color(0, 0, 200))
        let both = try DetectionDrawing.sideBySide([("ground truth", left), ("predictions", right)])
        #expect(both.width == 30 + 8 + 40)
        #expect(both.pixel(x: 5, y: both.height - 10) == Color(200, 0, 0))
        #expect(both.pixel(x: 60, y: both.height - 2) == Color(0, 0, 200))
    }
}
