import ArgumentParser
import Foundation
import LTDet

/// Draws a split's images as the pipeline hands them to the model, with their ground truth.
struct BrowseDatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browse-dataset",
        abstract: "Draw a split's images after the config's pipeline (resize, flip) with their ground truth, as PNG.")

    @Argument(help: "Config file.") var config: String
    @Option(help: "Output directory.") var out: String
    @Option(help: "How many images to draw.") var limit = 8
    @Option(help: "train or val.") var split = "train"
    @Option(help: "Seed of the pipeline's random choices.") var seed: UInt64 = 0
    @OptionGroup var options: ExperimentOptions

    func validate() throws {
        guard ["train", "val"].contains(split) else { throw ValidationError("--split takes train or val, not '\(split)'") }
        guard limit > 0 else { throw ValidationError("--limit must be positive, got \(limit)") }
    }

    func run() throws {
        let experiment = try ExperimentSetup.experiment(config: config, options: options)
        let written = try DatasetBrowser.writeImages(
            experiment: experiment, training: split == "train", to: out, limit: limit, seed: seed)
        print("wrote \(written.count) images to \(out)")
    }
}
