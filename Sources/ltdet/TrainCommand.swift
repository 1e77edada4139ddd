import ArgumentParser
import Foundation
import LTDet
import Torch

/// Trains a detector from a config.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a detector from a YAML config.",
        discussion: """
            Checkpoints (epoch_N at epoch ends, iter_N otherwise, `latest` linking the newest), log.jsonl, \
            evaluation results, the resolved config.yaml and environment.json go to the work directory. --resume \
            continues the newest complete checkpoint there exactly (weights, optimiser, method state, sampler \
            position); --resume-from continues a given one. A fresh run refuses a work directory that holds \
            another run unless --overwrite, which deletes that run's files.

            Multi-process (data-parallel, c10d Gloo): --nproc N starts N processes on this machine; under \
            torchrun (or any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) each process joins \
            the job it describes. data.samples_per_gpu is per process; rank 0 writes every file.
            """)

    @Argument(help: "Config file (configs/...yaml).") var config: String
    @OptionGroup var options: ExperimentOptions
    @Flag(help: "Continue from the newest checkpoint in the work directory.") var resume = false
    @OptionGroup var launch: LaunchOptions
    @Option(help: "Continue from this checkpoint (.safetensors with its .json).") var resumeFrom: String?
    @Flag(help: "Start afresh in a work directory that holds another run, deleting that run's files.") var overwrite = false

    func validate() throws {
        if overwrite && (resume || resumeFrom != nil) {
            throw ValidationError("--overwrite starts afresh; it cannot be combined with --resume or --resume-from")
        }
    }

    func run() throws {
        Runtime.relaunchWithPassiveOpenMPWaiting()
        if try launch.launchIfRequested() { return }
        Runtime.configureProcess()
        let group = try launch.joinProcessGroup()
        let experiment = try ExperimentSetup.experiment(config: config, options: options, processGroup: group)
        try experiment.train(
            resume: resume || resumeFrom != nil, resumeFrom: resumeFrom.map { URL(fileURLWithPath: $0) }, overwrite: overwrite)
        guard experiment.isMainProcess else { return }
        try TrainingCurves.plot(
            log: experiment.workDirectory.appendingPathComponent("log.jsonl").path,
            to: experiment.workDirectory.appendingPathComponent("losses.png").path)
        print("work directory: \(experiment.workDirectory.path)")
    }
}
