import ArgumentParser
import LVISKit

/// `ltdet mask-tool` / `lviskit mask-tool` (hidden): runs LVISKit's mask functions on a JSON batch, for the pycocotools cross-check
/// (scripts/reference/mask_crosscheck.py). The batch format is documented on `MaskBatch`.
public struct MaskToolCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "mask-tool",
        abstract: "Run the RLE/polygon/IoU functions on a JSON batch (reference checks).",
        shouldDisplay: false)

    @Option(name: .customLong("in"), help: "Input batch JSON.")
    var input: String

    @Option(name: .customLong("out"), help: "Output JSON.")
    var output: String

    public func run() throws {
        try MaskBatch.run(inputPath: input, outputPath: output)
    }
}
