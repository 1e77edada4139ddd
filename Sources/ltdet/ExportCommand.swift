import ArgumentParser
import Foundation
import LTDet
import Torch

/// Writes a checkpoint's weights as a PyTorch file for mmdet or torchvision.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a checkpoint as a PyTorch .pth file that mmdet or torchvision loads.",
        discussion: """
            --format mmdet writes an mmcv checkpoint {meta, state_dict} with mmdet 2.x's names (LTDet's own), \
            for init_detector, load_from or mmdet's test.py. --format torchvision writes the backbone alone as a \
            torchvision ResNet state dict (load it with strict=False: fc.* is absent). With --config the weights \
            are first loaded into that config's model, which fails naming every missing, unexpected or \
            mis-shaped tensor.
            """)

    @Option(help: "mmdet or torchvision.") var format: CheckpointExport.Format
    @Option(help: "Config whose model the weights must fit (optional check).") var config: String?
    @Argument(help: "Checkpoint (.safetensors of LTDet, or a .pth state dict / mmdet checkpoint).") var checkpoint: String
    @Argument(help: "Output .pth file.") var out: String

    func validate() throws {
        try OutputGuard.refuse(output: out, option: "OUT", inputs: [("checkpoint", checkpoint)])
    }

    func run() throws {
        let checkpoint = try Checkpoint.read(URL(fileURLWithPath: self.checkpoint))
        if let config {
            let experiment = DetectionExperiment(config: try ExperimentConfig.load(config), workDirectory: URL(fileURLWithPath: "."))
            let mismatch = try experiment.makeModel(initialWeights: false).load(stateDict: checkpoint.model, strict: false)
            let unexpected = mismatch.unexpected.filter { !$0.hasSuffix("num_batches_tracked") }
            guard mismatch.missing.isEmpty && unexpected.isEmpty else {
                throw ValidationError(
                    "\(self.checkpoint) does not fit \(config): missing [\(mismatch.missing.joined(separator: ", "))], "
                        + "unexpected [\(unexpected.joined(separator: ", "))]")
            }
        }
        try CheckpointExport.write(checkpoint, format: format, to: URL(fileURLWithPath: out))
        print("wrote \(format.rawValue) checkpoint \(out)")
    }
}

extension CheckpointExport.Format: ExpressibleByArgument {}
