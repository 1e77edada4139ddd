import ArgumentParser
import LTDet
import Yams

/// Prints a config with its bases, overrides and defaults resolved (mmdet's print_config).
struct PrintConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-config", abstract: "Print the fully resolved configuration (bases, overrides, defaults).")

    @Argument(help: "Config file.") var config: String
    @Option(name: .customLong("set"), parsing: .upToNextOption, help: "Overrides key.path=value.") var overrides: [String] = []

    func run() throws {
        let resolved = try ExperimentConfig.load(config, overrides: overrides)
        print(try YAMLEncoder().encode(resolved), terminator: "")
    }
}
