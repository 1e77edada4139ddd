import Foundation
import LVISKit

/// A COCO or LVIS (v0.5, v1) instance segmentation dataset: annotation file plus image folder.
///
/// Crowd annotations and boxes without area are left out of the targets, as MMDetection and
/// Detectron2 do for training. With `dropImagesWithoutAnnotations` (training) images with no
/// usable instance are removed, so samplers, repeat factors and epoch lengths see the same list.
public struct InstanceDataset: Sendable {
    public let images: [DatasetImage]
    public let labels: CategoryLabelMap
    public let annotationPath: String

    public struct Options: Sendable {
        public var imageRoot: String
        public var pathConvention: ImagePathConvention = .automatic
        public var dropImagesWithoutAnnotations: Bool = false
        /// Reject annotations that would be wrong training targets, and a set with none to train on
        /// (`TrainingAnnotationCheck`).
        public var checkForTraining: Bool = false

        public init(imageRoot: String, pathConvention: ImagePathConvention = .automatic, dropImagesWithoutAnnotations: Bool = false,
                    checkForTraining: Bool = false) {
            self.imageRoot = imageRoot
            self.pathConvention = pathConvention
            self.dropImagesWithoutAnnotations = dropImagesWithoutAnnotations
            self.checkForTraining = checkForTraining
        }
    }

    /// Reads COCO or LVIS ground truth through LVISKit.
    public init(annotationFile path: String, options: Options) throws {
        try self.init(groundTruth: try LVISDataset.load(path: path), annotationPath: path, options: options)
    }

    public init(groundTruth: LVISDataset, annotationPath: String = "<memory>", options: Options) throws {
        labels = CategoryLabelMap(categories: groundTruth.categories.map { ($0.id, $0.name, $0.frequency) })
        self.annotationPath = annotationPath
        if options.checkForTraining { try TrainingAnnotationCheck.check(groundTruth, path: annotationPath) }
        var instancesOfImage: [Int: [DatasetInstance]] = [:]
        let imageSizes = Dictionary(groundTruth.images.map { ($0.id, ($0.height, $0.width)) }, uniquingKeysWith: { _, last in last })
        for a in groundTruth.annotations {
            guard let label = labels.label(forCategoryID: a.categoryId) else {
                throw DatasetError.unknownCategory(annotationFile: annotationPath, categoryID: a.categoryId, annotationID: a.id)
            }
            guard !a.iscrowd, let bbox = a.bbox, bbox.count == 4, bbox[2] > 0, bbox[3] > 0 else { continue }
            // An RLE is decoded to pixels here: one of another size than its image would be a wrong mask, and a
            // huge one (100000 x 100000) would take minutes and gigabytes before anything failed.
            if case .rle(let rle) = a.segmentation, let (h, w) = imageSizes[a.imageId], rle.height != h || rle.width != w {
                throw DatasetError.invalidAnnotation(
                    annotationFile: annotationPath, annotationID: a.id, field: "segmentation.size",
                    problem: "[\(rle.height), \(rle.width)] differs from its image \(a.imageId) ([\(h), \(w)])")
            }
            instancesOfImage[a.imageId, default: []].append(
                DatasetInstance(label: label, box: BoundingBox(xywh: bbox), mask: a.segmentation.map(InstanceDataset.mask)))
        }
        var images: [DatasetImage] = []
        for entry in groundTruth.images {
            let instances = instancesOfImage[entry.id] ?? []
            if options.dropImagesWithoutAnnotations && instances.isEmpty { continue }
            guard let relative = options.pathConvention.relativePath(fileName: entry.fileName, cocoURL: entry.cocoURL) else {
                throw DatasetError.imageWithoutPath(annotationFile: annotationPath, imageID: entry.id)
            }
            images.append(DatasetImage(id: entry.id, path: (options.imageRoot as NSString).appendingPathComponent(relative),
                                       width: entry.width, height: entry.height, instances: instances))
        }
        self.images = images
    }

    public var count: Int { images.count }

    /// The category ids annotated in each image, for repeat factors and class-aware samplers.
    public var imageCategories: [[Int]] {
        images.map { $0.instances.map { labels.categoryID(forLabel: $0.label) } }
    }

    private static func mask(_ segmentation: LVISDataset.Segmentation) -> InstanceMask {
        switch segmentation {
        case .polygons(let parts): return .polygons(parts.map { [Point2D](flatCoordinates: $0) })
        case .rle(let rle): return .bitmap(BinaryMask(rle))
        }
    }
}
