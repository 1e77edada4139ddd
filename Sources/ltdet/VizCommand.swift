import ArgumentParser
import Foundation
import LTDet
import LVISKit

/// Draws predictions on their images.
struct VizCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viz", abstract: "Draw detections (boxes, masks, class names, scores) on images as PNG.")

    @Option(help: "Ground-truth / dataset JSON naming the images and categories.") var ann: String
    @Option(help: "Results JSON (LVIS/COCO results format).") var results: String
    @Option(help: "Image root directory.") var images: String
    @Option(help: "Output directory for the PNG files.") var out: String
    @Option(help: "How many images to draw.") var limit = 8
    @Option(help: "Leave out detections scoring below this.") var minScore = 0.3
    @Flag(help: "Draw the ground truth of --ann on the left, the predictions on the right.") var withGt = false

    func run() throws {
        let dataset = try InstanceDataset(annotationFile: ann, options: InstanceDataset.Options(imageRoot: images))
        let loaded = try DetectionResults.load(path: results)
        let records = try (0..<loaded.count).map { try loaded.result(at: $0) }
        let written = try DetectionDrawing.writeImages(
            results: records, dataset: dataset, to: out, limit: limit, minScore: minScore, withGroundTruth: withGt)
        print("wrote \(written.count) images to \(out)")
    }
}
