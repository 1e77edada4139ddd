import ArgumentParser
import Foundation
import LTDet
import LVISKit
import Torch

/// The main job: synthetic long-tailed data, a small Mask R-CNN trained on it plain and with a long-tail method
/// side by side, LVIS evaluation, the comparison by frequency group, pictures.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a small synthetic long-tailed set; train a small Mask R-CNN plain and with a long-tail method side by side; evaluate, compare, visualise.",
        discussion: """
            Everything goes to the work directory: data/synth (the generated LVIS-format set), stats.png (the long \
            tail of the training set), one run directory per training (baseline/ and the method's, each with its \
            checkpoint, log.jsonl, log.txt, losses.png, results JSON and per_class.csv), compare/ (per-class AP \
            against training frequency and per-group bars of both runs, compare.md) and viz/RUN/*.png \
            (predictions on validation images). The two runs train at the same time, each on half the cores. \
            The work directory defaults to work_dirs/demo.
            """)

    @Option(help: "The baseline's config.") var config = "configs/demo/mask_rcnn_r18_fpn_synth.yaml"
    @Option(help: "The long-tail method trained beside the baseline (its config), or 'none' for the baseline alone.")
    var method = "configs/demo/mask_rcnn_r18_fpn_synth_seesaw_rfs.yaml"
    @Option(help: "Training images to generate.") var trainImages = 600
    @Option(help: "Validation images to generate.") var valImages = 100
    @Option(help: "Side of the generated images in pixels.") var imageSize = 128
    @Option(help: "Seed of the data, the weights and the sampling.") var seed: UInt64 = 0
    @OptionGroup var options: ExperimentOptions

    func run() throws {
        let start = Date()
        var options = options
        options.workDir = options.workDir ?? "work_dirs/demo"
        let work = URL(fileURLWithPath: options.workDir!)
        let data = work.appendingPathComponent("data/synth").path
        let baseline = try ExperimentSetup.config(config, options: options)
        let methodConfig = method == "none" ? nil : try ExperimentSetup.config(method, options: options)
        if let methodConfig, methodConfig.model.numClasses != baseline.model.numClasses {
            throw ValidationError("--method \(method): model.num_classes \(methodConfig.model.numClasses) differs from the baseline's \(baseline.model.numClasses) (\(config))")
        }

        var synth = SyntheticDatasetGenerator.Configuration(
            classes: baseline.model.numClasses, trainImages: trainImages, valImages: valImages, imageSize: imageSize, seed: seed)
        synth.imageFormat = .jpeg
        let generator = SyntheticDatasetGenerator(synth)
        let output = try generator.write(to: data)
        say("data: \(output.train.images.count) train / \(output.val.images.count) val images, \(baseline.model.numClasses) classes in \(data)")
        let statistics = DatasetStatistics(file: output.train, rfsThreshold: 0.001)
        try statistics.longTailPlot(title: "synthetic training set").write(
            to: work.appendingPathComponent("stats.png").path, width: 900, height: 500)

        let paths = [
            "data.train.ann_file=\(data)/annotations/train.json", "data.train.img_prefix=\(data)/images",
            "data.val.ann_file=\(data)/annotations/val.json", "data.val.img_prefix=\(data)/images", "seed=\(seed)",
        ]
        var runs = [(name: "baseline", label: "baseline", config: config, overrides: paths)]
        if let methodConfig {
            let stem = URL(fileURLWithPath: method).deletingPathExtension().lastPathComponent
            let name = stem.hasPrefix(URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent + "_")
                ? String(stem.dropFirst(URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent.count + 1)) : stem
            var overrides = paths
            if methodConfig.data.sampler.type == "repeat_factor" {
                // RFS's t = 0.001 is LVIS's common/frequent bound (100 of ~100k images); on this set that bound
                // is 100 LVIS images scaled as the set's counts are, so t scales the same way.
                let threshold = 100 * generator.catalog.countScale / Double(trainImages)
                overrides.append("data.sampler.threshold=\(threshold)")
                say(String(format: "%@: RFS threshold %.4f (LVIS's 0.001 scaled to this set: %.1f of its %d training images)",
                             name, threshold, threshold * Double(trainImages), trainImages))
            }
            runs.append((name: name, label: name, config: method, overrides: overrides))
        }
        // A demo starts afresh: an earlier demo's runs in the same directory are replaced, not resumed.
        try SideBySideTraining(runs: runs.map { run in
            var arguments = ["train", run.config, "--work-dir", work.appendingPathComponent(run.name).path, "--overwrite"]
            if let device = options.device { arguments += ["--device", device] }
            return .init(name: run.name, arguments: arguments + ["--set"] + run.overrides + options.overrides)
        }).run()

        var summaries: [(name: String, metrics: [String: Double])] = []
        for run in runs {
            let directory = work.appendingPathComponent(run.name)
            let metrics = try BenchmarkRunResult.lastEvaluation(log: directory.appendingPathComponent("log.jsonl"))?.metrics ?? [:]
            summaries.append((run.name, metrics))
            let experiment = try ExperimentSetup.experiment(
                config: run.config, options: options, extraOverrides: run.overrides)
            let val = try experiment.loadDataset(experiment.config.data.val, training: false)
            let resultsFile = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".results.json") }.sorted().last
            if let resultsFile {
                let loaded = try DetectionResults.load(path: directory.appendingPathComponent(resultsFile).path)
                let records = try (0..<loaded.count).map { try loaded.result(at: $0) }
                let viz = work.appendingPathComponent("viz/\(run.name)").path
                let written = try DetectionDrawing.writeImages(results: records, dataset: val, to: viz, limit: 8, minScore: 0.3)
                say("visualisations: \(written.count) images in \(viz)")
            }
        }
        let evaluated = runs.filter { FileManager.default.fileExists(atPath: work.appendingPathComponent("\($0.name)/per_class.csv").path) }
        if evaluated.count > 1 {
            let compare = try CompareCommand.parse(
                evaluated.map { work.appendingPathComponent($0.name).path }
                    + ["--out", work.appendingPathComponent("compare").path, "--names"] + evaluated.map(\.name))
            try compare.run()
        }

        say("\nsummary (LVIS metrics on the synthetic validation set, in percent):")
        let keys = ["AP", "AP50", "APr", "APc", "APf"]
        let width = max(8, summaries.map(\.name.count).max() ?? 0)
        say("  " + "run".padding(toLength: width, withPad: " ", startingAt: 0) + "  type  "
              + keys.map { $0.padding(toLength: 6, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for type in ["bbox", "segm"] {
            for summary in summaries {
                let cells = keys.map { key in
                    summary.metrics["\(type)_\(key)"].map { String(format: "%-6.1f", 100 * $0) } ?? "-     "
                }
                say("  " + summary.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                      + type.padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + cells.joined(separator: " "))
            }
        }
        say(String(format: "demo finished in %.1f minutes; outputs in %@", Date().timeIntervalSince(start) / 60, work.path))
    }
}
