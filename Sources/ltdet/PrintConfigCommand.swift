import ArgumentParser
import LTDet
import Yams

/// Prints a config with its bases, overrides and defaults resolved (mmdet's print_config).
struct PrintConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-config", abstract: "Print the fully resolved configuration (bases, overrides, defaults).")

    @Argument(help: "Config file.") var config: String
    @OptionGroup var options: ExperimentOptions

    func run() throws {
        let resolved = try ExperimentSetup.config(config, options: options)
        print(try YAMLEncoder().encode(resolved), terminator: "")
    }
}
