import ArgumentParser
import Foundation
import LTDet
import Torch

/// Trains a detector from a config.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a detector from a YAML config.",
        discussion: """
            Checkpoints, log.jsonl and evaluation results go to the work directory. --resume continues the \
            newest complete checkpoint there exactly (weights, optimiser, method state, sampler position).
            """)

    @Argument(help: "Config file (configs/...yaml).") var config: String
    @Option(help: "Work directory (default: the config's work_dir, else work_dirs/<config name>).") var workDir: String?
    @Flag(help: "Continue from the newest checkpoint in the work directory.") var resume = false
    @Option(name: .customLong("set"), parsing: .upToNextOption, help: "Overrides key.path=value.") var overrides: [String] = []

    func run() throws {
        Runtime.configureThreads()
        let experiment = try ExperimentSetup.experiment(config: config, workDir: workDir, overrides: overrides)
        try experiment.train(resume: resume)
        try TrainingCurves.plot(
            log: experiment.workDirectory.appendingPathComponent("log.jsonl").path,
            to: experiment.workDirectory.appendingPathComponent("losses.png").path)
        print("work directory: \(experiment.workDirectory.path)")
    }
}

/// What train, test and demo share: loading a config and choosing the work directory.
enum ExperimentSetup {
    static func experiment(config path: String, workDir: String?, overrides: [String]) throws -> DetectionExperiment {
        let config = try ExperimentConfig.load(path, overrides: overrides)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let dir = workDir ?? config.workDir ?? "work_dirs/\(name)"
        return DetectionExperiment(config: config, workDirectory: URL(fileURLWithPath: dir))
    }
}
