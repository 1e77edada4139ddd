import ArgumentParser
import Foundation
import LTDet
import Torch

/// What train, test, demo and print-config share: the config with its overrides, and the work directory
/// (--work-dir, else the config's `work_dir`, else work_dirs/<config name>), written back into the config so
/// that what is printed is what runs.
enum ExperimentSetup {
    static func config(_ path: String, options: ExperimentOptions, extraOverrides: [String] = []) throws
        -> ExperimentConfig
    {
        var config = try ExperimentConfig.load(path, overrides: extraOverrides + options.overrides)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        config.workDir = options.workDir ?? config.workDir ?? "work_dirs/\(name)"
        if let device = options.device {
            do {
                _ = try Device.resolve(device, cudaDeviceCount: Runtime.cudaDeviceCount)
            } catch let error as TorchError {
                throw ValidationError("--device: \(error.message)")
            }
            config.device = device
        }
        return config
    }

    static func experiment(
        config path: String, options: ExperimentOptions, extraOverrides: [String] = [], processGroup: ProcessGroup? = nil
    ) throws -> DetectionExperiment {
        let config = try config(path, options: options, extraOverrides: extraOverrides)
        return DetectionExperiment(
            config: config, workDirectory: URL(fileURLWithPath: config.workDir!), processGroup: processGroup)
    }
}
