import ArgumentParser
import LVISKitCLI

/// The `ltdet` command line: one subcommand type per file.
@main
struct LTDetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ltdet",
        abstract: "Long-tailed object detection and instance segmentation (LVIS) on libtorch.",
        subcommands: [
            DemoCommand.self,
            TrainCommand.self,
            TestCommand.self,
            ExportCommand.self,
            VizCommand.self,
            PrintConfigCommand.self,
            InfoCommand.self,
            DevCommand.self,
            EvalCommand.self,
            MaskToolCommand.self,
            SynthCommand.self,
            StatsCommand.self,
            CompareCommand.self,
            ConfusionMatrixCommand.self,
            AnalyzeLogsCommand.self,
            PredictCommand.self,
            BrowseDatasetCommand.self,
            BenchmarkCommand.self,
        ]
    )
}
