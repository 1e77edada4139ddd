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
    @OptionGroup var options: ExperimentOptions
    @Flag(help: "Continue from the newest checkpoint in the work directory.") var resume = false

    func run() throws {
        Runtime.relaunchWithPassiveOpenMPWaiting()
        Runtime.configureThreads()
        let experiment = try ExperimentSetup.experiment(config: config, options: options)
        try experiment.train(resume: resume)
        try TrainingCurves.plot(
            log: experiment.workDirectory.appendingPathComponent("log.jsonl").path,
            to: experiment.workDirectory.appendingPathComponent("losses.png").path)
        print("work directory: \(experiment.workDirectory.path)")
    }
}
