import Foundation
import LVISKit

/// Inference on image files that belong to no dataset (`ltdet predict`, mmdet's `inference_detector`): the files
/// become an in-memory LVIS set (ids 1..n in the given order, no annotations) with the categories the model was
/// trained on, so that prediction runs through the test pipeline exactly as evaluation does.
public struct ImagePrediction {
    /// The images as a ground-truth file without annotations: what the results' image ids refer to.
    public let images: LVISDataset
    public let results: [DetectionResult]

    /// Image files of `path`: the file itself, or the .jpg/.jpeg/.png files directly in the directory, sorted.
    public static func imageFiles(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagePredictionError("'\(path)' does not exist")
        }
        guard isDirectory.boolValue else { return [path] }
        let files = try FileManager.default.contentsOfDirectory(atPath: path)
            .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            .map { (path as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else { throw ImagePredictionError("'\(path)' holds no .jpg, .jpeg or .png files") }
        return files
    }

    /// Runs `experiment`'s model with the weights of `checkpoint` on `files`; `categories` are the training
    /// set's (sorted by id they are the model's labels); nil takes those stored in the checkpoint, else those of
    /// the config's `data.val.ann_file`.
    public init(experiment: DetectionExperiment, checkpoint: URL, files: [String], categories: [LVISDataset.Category]?) throws {
        let stored = try Checkpoint.read(checkpoint)
        let model = try experiment.model(loading: stored)
        let categories = try categories ?? stored.classes?.categories ?? Self.categories(of: experiment, checkpoint: checkpoint)
        guard categories.count == experiment.config.model.numClasses else {
            throw ImagePredictionError(
                "the categories file has \(categories.count) categories, the model (model.num_classes) \(experiment.config.model.numClasses)")
        }
        let entries = try files.enumerated().map { index, file -> LVISDataset.Image in
            let image = try ImageFile.read(file)
            // Absolute paths with an empty image root: the files may sit anywhere.
            let absolute = URL(fileURLWithPath: file).standardized.path
            return LVISDataset.Image(id: index + 1, fileName: absolute, height: image.height, width: image.width)
        }
        images = LVISDataset(images: entries, categories: categories, annotations: [], hasLVISFields: true)
        let dataset = try InstanceDataset(
            groundTruth: images, annotationPath: "<images>", options: .init(imageRoot: "", pathConvention: .fileName))
        results = try DetectionInference.predict(
            model: model, dataset: dataset, pipeline: experiment.testPipeline,
            views: experiment.config.data.testPipeline.testViews, batchSize: 1,
            workers: experiment.config.data.workersPerGPU)
    }

    /// The categories of the config's validation file, for a checkpoint that does not store its classes.
    static func categories(of experiment: DetectionExperiment, checkpoint: URL) throws -> [LVISDataset.Category] {
        let file = experiment.config.data.val.annFile
        guard FileManager.default.fileExists(atPath: file) else {
            throw ImagePredictionError(
                "\(checkpoint.path) stores no class names and the config's data.val.ann_file '\(file)' does not exist: "
                    + "pass --categories FILE (an annotation file of the training set)")
        }
        return try LVISDataset.load(path: file).categories
    }

    /// Writes DIR/results.json (LVIS/COCO results), DIR/images.json (the images as a ground-truth file, for
    /// `ltdet viz --ann`) and DIR/<image name>.png with the detections scoring >= `minScore` drawn.
    public func write(to directory: String, minScore: Double) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try DetectionResults(results).write(to: (directory as NSString).appendingPathComponent("results.json"))
        try imagesJSON().write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("images.json")))
        let names = Dictionary(uniqueKeysWithValues: images.categories.map { ($0.id, $0.name) })
        let byImage = Dictionary(grouping: results, by: \.imageId)
        var written: [String] = []
        for entry in images.images {
            let picture = try ImageFile.read(entry.fileName!)
            let overlay = InstanceOverlay(enlargement: max(1, 480 / max(picture.width, picture.height)))
            let canvas = try overlay.render(
                DetectionDrawing.instances(byImage[entry.id] ?? [], categoryNames: names, minScore: minScore), on: picture)
            let stem = ((entry.fileName! as NSString).lastPathComponent as NSString).deletingPathExtension
            let path = (directory as NSString).appendingPathComponent(stem + ".png")
            try canvas.write(to: path)
            written.append(path)
        }
        return written
    }

    /// The images and categories as an LVIS-style file with no annotations.
    func imagesJSON() throws -> Data {
        let object: [String: Any] = [
            "images": images.images.map { ["id": $0.id, "file_name": $0.fileName!, "width": $0.width, "height": $0.height] },
            "categories": images.categories.map { c -> [String: Any] in
                var entry: [String: Any] = ["id": c.id, "name": c.name]
                if let f = c.frequency { entry["frequency"] = f.rawValue }
                return entry
            },
            "annotations": [Any](),
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

public struct ImagePredictionError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
