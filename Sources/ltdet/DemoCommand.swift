import ArgumentParser
import Foundation
import LTDet
import LVISKit
import Torch

/// The main job: synthetic long-tailed data, a small Mask R-CNN trained on it, LVIS evaluation, pictures.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a small synthetic long-tailed set, train a small Mask R-CNN, evaluate, visualise.",
        discussion: """
            Everything goes to the work directory: data/synth (the generated LVIS-format set), checkpoints, \
            log.jsonl, losses.png (training curves), stats.png (the long tail of the training set), \
            viz/*.png (predictions on validation images) and the results JSON. The work directory defaults to work_dirs/demo.
            """)

    @Option(help: "The demo config.") var config = "configs/demo/mask_rcnn_r18_fpn_synth.yaml"
    @Option(help: "Training images to generate.") var trainImages = 600
    @Option(help: "Validation images to generate.") var valImages = 100
    @Option(help: "Side of the generated images in pixels.") var imageSize = 128
    @Option(help: "Seed of the data, the weights and the sampling.") var seed: UInt64 = 0
    @OptionGroup var options: ExperimentOptions

    func run() throws {
        Runtime.relaunchWithPassiveOpenMPWaiting()
        Runtime.configureThreads()
        let start = Date()
        // The demo's own default work directory, not the config-named one of train.
        var options = options
        options.workDir = options.workDir ?? "work_dirs/demo"
        let workDir = options.workDir!
        let work = URL(fileURLWithPath: workDir)
        let data = work.appendingPathComponent("data/synth").path
        let classes = try ExperimentSetup.config(config, options: options).model.numClasses

        var synth = SyntheticDatasetGenerator.Configuration(
            classes: classes, trainImages: trainImages, valImages: valImages, imageSize: imageSize, seed: seed)
        synth.imageFormat = .jpeg
        let output = try SyntheticDatasetGenerator(synth).write(to: data)
        print("data: \(output.train.images.count) train / \(output.val.images.count) val images, \(classes) classes in \(data)")
        let statistics = DatasetStatistics(file: output.train, rfsThreshold: 0.001)
        try statistics.longTailPlot(title: "synthetic training set").write(
            to: work.appendingPathComponent("stats.png").path, width: 900, height: 500)

        let paths = [
            "data.train.ann_file=\(data)/annotations/train.json", "data.train.img_prefix=\(data)/images",
            "data.val.ann_file=\(data)/annotations/val.json", "data.val.img_prefix=\(data)/images", "seed=\(seed)",
        ]
        let experiment = try ExperimentSetup.experiment(config: config, options: options, extraOverrides: paths)
        // A demo starts afresh: an earlier demo's run in the same directory is replaced, not resumed.
        let summaries = try experiment.train(resume: false, overwrite: true)
        try TrainingCurves.plot(
            log: work.appendingPathComponent("log.jsonl").path, to: work.appendingPathComponent("losses.png").path)

        let val = try experiment.loadDataset(experiment.config.data.val, training: false)
        let resultsFile = try FileManager.default.contentsOfDirectory(atPath: workDir)
            .filter { $0.hasSuffix(".results.json") }.sorted().last
        if let resultsFile {
            let loaded = try DetectionResults.load(path: work.appendingPathComponent(resultsFile).path)
            let records = try (0..<loaded.count).map { try loaded.result(at: $0) }
            let written = try DetectionDrawing.writeImages(
                results: records, dataset: val, to: work.appendingPathComponent("viz").path, limit: 8, minScore: 0.3)
            print("visualisations: \(written.count) images in \(work.appendingPathComponent("viz").path)")
        }
        print("\nsummary (LVIS metrics on the synthetic validation set):")
        for (type, summary) in summaries {
            let line = ["AP", "AP50", "APr", "APc", "APf"].map { key in
                String(format: "%@ %.3f", key, summary.metric(key) ?? -1)
            }.joined(separator: "  ")
            print("  \(type.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)) \(line)")
        }
        print(String(format: "demo finished in %.1f minutes; outputs in %@", Date().timeIntervalSince(start) / 60, workDir))
    }
}
