import ArgumentParser
import Foundation
import LTDet
import LVISKit
import Torch

/// Tests a checkpoint: predicts on the config's val split, writes the results, evaluates.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Run a checkpoint on the validation split and evaluate it.")

    @Argument(help: "Config file.") var config: String
    @Argument(help: "Checkpoint (.safetensors).") var checkpoint: String
    @Option(help: "Where to write the results JSON (LVIS/COCO results format).") var out: String
    @Option(parsing: .upToNextOption, help: "Metrics to evaluate: bbox, segm.") var eval: [String] = []
    @Option(name: .customLong("set"), parsing: .upToNextOption, help: "Overrides key.path=value.") var overrides: [String] = []

    func validate() throws {
        for m in eval where IoUType(rawValue: m) == nil {
            throw ValidationError("--eval takes bbox and/or segm, not '\(m)'")
        }
    }

    func run() throws {
        Runtime.configureThreads()
        let outURL = URL(fileURLWithPath: out)
        let experiment = try ExperimentSetup.experiment(
            config: config, workDir: outURL.deletingLastPathComponent().path, overrides: overrides)
        let model = try experiment.makeModel()
        try model.load(stateDict: try Checkpoint.read(URL(fileURLWithPath: checkpoint)).model)
        let val = try experiment.loadDataset(experiment.config.data.val, training: false)
        let results = try DetectionInference.predict(
            model: model, dataset: val, pipeline: experiment.testPipeline, workers: experiment.config.data.workersPerGPU)
        try DetectionResults(results).write(to: out)
        print("wrote \(results.count) detections on \(val.count) images to \(out)")
        let summaries = try DetectionInference.evaluate(
            results: results, groundTruthPath: val.annotationPath, iouTypes: eval.compactMap(IoUType.init(rawValue:)))
        for (type, summary) in summaries { print("\(type.rawValue):\n\(summary.table)") }
    }
}
