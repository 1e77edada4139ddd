import ArgumentParser

/// Developer tools: the hooks the reference scripts under scripts/reference/ drive.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Developer tools used by the reference checks and diagnostics.",
        subcommands: [
            TensorIOCommand.self,
            DevLossCommand.self,
            DevBoxHeadCommand.self,
            DevReplayCommand.self,
            DevConfusionCommand.self,
            DevModelCheckCommand.self,
            DevDatasetCommand.self,
            DevMasksCommand.self,
            DevMFSCommand.self,
            DevLossScalerCommand.self,
            DevAugmentedTestCommand.self,
            DevDeviceCheckCommand.self,
        ]
    )
}
