import ArgumentParser
import LVISKitCLI

/// `lviskit`: LVIS/COCO evaluation and mask tools without libtorch. The same commands as `ltdet eval` and
/// `ltdet mask-tool`, in a binary that starts in milliseconds instead of loading libtorch (~0.5 s of CPU).
@main
struct LVISKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lviskit",
        abstract: "Exact LVIS and COCO evaluation (equal to lvis-api 0.5.3 and pycocotools 2.0.11) and mask tools.",
        subcommands: [EvalCommand.self, MaskToolCommand.self]
    )
}
