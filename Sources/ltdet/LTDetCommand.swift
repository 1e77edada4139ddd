import ArgumentParser

/// The `ltdet` command line: one subcommand type per file.
@main
struct LTDetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ltdet",
        abstract: "Long-tailed object detection and instance segmentation (LVIS) on libtorch.",
        subcommands: [
            InfoCommand.self,
            DevCommand.self,
            EvalCommand.self,
            MaskToolCommand.self,
            SynthCommand.self,
            StatsCommand.self,
        ]
    )
}
