import ArgumentParser
import AtomicFileIO
import Foundation
import LTDet

/// Writes the images and training targets LTDet keeps from an annotation file, so that
/// scripts/reference/dataset_filter.py can compare them with mmdet's filtering rules.
struct DevDatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "The images and targets LTDet keeps from an annotation file (reference check hook).")

    @Option(help: "COCO or LVIS annotation file.") var ann: String
    @Flag(help: "Filter as a training set (drop images without annotations and images under 32 px).") var training = false
    @Option(help: "Output JSON: {images: [{id, annotation_ids, category_ids}]}.") var out: String

    private struct Entry: Encodable {
        let id: Int
        let annotationIDs: [Int]
        let categoryIDs: [Int]

        enum CodingKeys: String, CodingKey {
            case id
            case annotationIDs = "annotation_ids"
            case categoryIDs = "category_ids"
        }
    }

    func run() throws {
        let options = InstanceDataset.Options(
            imageRoot: "", dropImagesWithoutAnnotations: training,
            minImageSize: training ? InstanceDataset.minTrainingImageSize : 0)
        let dataset = try InstanceDataset(annotationFile: ann, options: options)
        let entries = dataset.images.map {
            Entry(id: $0.id, annotationIDs: $0.instances.compactMap(\.annotationID), categoryIDs: $0.annotatedCategoryIDs)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(["images": entries]), to: URL(fileURLWithPath: out))
        print("\(ann): \(entries.count) images, \(entries.map(\.annotationIDs.count).reduce(0, +)) targets")
    }
}
