import ArgumentParser
import Foundation
import LTDet
import LVISKit
import Torch

/// Tests a checkpoint: predicts on the config's val split, writes the results, evaluates.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Run a checkpoint on the validation split and evaluate it.",
        discussion: """
            The model is the config's with the checkpoint's weights; the config's ImageNet `pretrained` and \
            `load_from` weights are not needed. Prediction and evaluation are those of training's evaluation \
            (including data.error_policy). With --nproc N (or under torchrun) every process predicts its share of \
            the images and rank 0 writes and evaluates them all: the same results file as one process.
            """)

    @Argument(help: "Config file.") var config: String
    @Argument(help: "Checkpoint (.safetensors).") var checkpoint: String
    @Option(help: "Where to write the results JSON (LVIS/COCO results format; default: <work dir>/test.results.json).")
    var out: String?
    @Option(parsing: .upToNextOption, help: "Metrics to evaluate: bbox, segm.") var eval: [String] = []
    @Flag(help: ArgumentHelp(
        "Test-time augmentation: add a mirrored view of every test scale (data.test_pipeline.flip=true); more scales "
            + "with --set data.test_pipeline.img_scale='[[1333,800],[1333,640]]'. Merged as mmdet's aug_test."))
    var tta = false
    @OptionGroup var options: ExperimentOptions
    @OptionGroup var launch: LaunchOptions

    func validate() throws {
        for m in eval where IoUType(rawValue: m) == nil {
            throw ValidationError("--eval takes bbox and/or segm, not '\(m)'")
        }
    }

    func run() throws {
        Runtime.relaunchWithPassiveOpenMPWaiting()
        if try launch.launchIfRequested() { return }
        Runtime.configureProcess()
        let experiment = try ExperimentSetup.experiment(
            config: config, options: options, extraOverrides: tta ? ["data.test_pipeline.flip=true"] : [],
            processGroup: try launch.joinProcessGroup())
        if let out {
            try OutputGuard.refuse(
                output: out, option: "--out",
                inputs: [("checkpoint", checkpoint), ("config", config), ("ground truth", experiment.config.data.val.annFile)])
        }
        let results = out.map { URL(fileURLWithPath: $0) }
            ?? experiment.workDirectory.appendingPathComponent("test.results.json")
        try experiment.test(
            checkpoint: URL(fileURLWithPath: checkpoint), iouTypes: eval.compactMap(IoUType.init(rawValue:)),
            resultsFile: results)
    }
}
