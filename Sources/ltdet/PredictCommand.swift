import ArgumentParser
import Foundation
import LTDet
import LVISKit
import Torch

/// Runs a checkpoint on any image or folder of images (mmdet's inference_detector / image_demo.py).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Detect objects in an image or a folder of images: JSON and pictures.",
        discussion: """
            Writes to --out: results.json (LVIS/COCO results; image ids 1..n in file-name order), images.json \
            (those images as an annotation file, e.g. for ltdet viz --ann) and one PNG per image with the \
            detections scoring >= --min-score drawn. The class names come from --categories, else from the \
            checkpoint (training runs store them), else from the config's data.val.ann_file.
            """)

    @Argument(help: "Config file.") var config: String
    @Argument(help: "Checkpoint (.safetensors).") var checkpoint: String
    @Argument(help: "An image file or a folder of .jpg/.jpeg/.png files.") var input: String
    @Option(help: "Output directory.") var out: String
    @Option(help: "Annotation file whose categories the model was trained on (default: the checkpoint's, else the config's data.val.ann_file).")
    var categories: String?
    @Option(help: "Leave out detections scoring below this in the pictures.") var minScore = 0.3
    @Flag(help: ArgumentHelp(
        "Test-time augmentation: add a mirrored view of every test scale (data.test_pipeline.flip=true); more scales "
            + "with --set data.test_pipeline.img_scale='[[1333,800],[1333,640]]'. Merged as mmdet's aug_test."))
    var tta = false
    @OptionGroup var options: ExperimentOptions

    func run() throws {
        Runtime.relaunchWithPassiveOpenMPWaiting()
        Runtime.configureProcess()
        let experiment = try ExperimentSetup.experiment(
            config: config, options: options, extraOverrides: tta ? ["data.test_pipeline.flip=true"] : [])
        if let categories, !FileManager.default.fileExists(atPath: categories) {
            throw ValidationError("--categories '\(categories)' does not exist")
        }
        let files = try ImagePrediction.imageFiles(at: input)
        let prediction = try ImagePrediction(
            experiment: experiment, checkpoint: URL(fileURLWithPath: checkpoint), files: files,
            categories: try categories.map { try LVISDataset.load(path: $0).categories })
        let pictures = try prediction.write(to: out, minScore: minScore)
        let shown = prediction.results.filter { $0.score >= minScore }.count
        print("\(prediction.results.count) detections on \(files.count) images (\(shown) scoring >= \(minScore)); "
            + "wrote \(out)/results.json, \(out)/images.json and \(pictures.count) pictures")
    }
}
