import Foundation

/// One image of an instance dataset with its annotations, in file coordinates.
public struct DatasetImage: Sendable {
    public let id: Int
    public let path: String
    public let width: Int
    public let height: Int
    public let instances: [DatasetInstance]
}

/// One annotated object: contiguous label, box and mask in the original image's pixels.
public struct DatasetInstance: Sendable {
    public let label: Int
    public let box: BoundingBox
    public let mask: InstanceMask?
}

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

        public init(imageRoot: String, pathConvention: ImagePathConvention = .automatic, dropImagesWithoutAnnotations: Bool = false) {
            self.imageRoot = imageRoot
            self.pathConvention = pathConvention
            self.dropImagesWithoutAnnotations = dropImagesWithoutAnnotations
        }
    }

    public init(annotationFile path: String, options: Options) throws {
        try self.init(file: try AnnotationFile.read(path), annotationPath: path, options: options)
    }

    public init(file: AnnotationFile, annotationPath: String = "<memory>", options: Options) throws {
        labels = CategoryLabelMap(categories: file.categories.map {
            ($0.id, $0.name, $0.frequency.flatMap(FrequencyGroup.init(rawValue:)))
        })
        self.annotationPath = annotationPath
        var instancesOfImage: [Int: [DatasetInstance]] = [:]
        for a in file.annotations {
            guard let label = labels.label(forCategoryID: a.categoryID) else {
                throw DatasetError.unknownCategory(categoryID: a.categoryID, annotationID: a.id)
            }
            guard (a.isCrowd ?? 0) == 0, a.bbox.count == 4, a.bbox[2] > 0, a.bbox[3] > 0 else { continue }
            instancesOfImage[a.imageID, default: []].append(
                DatasetInstance(label: label, box: BoundingBox(xywh: a.bbox), mask: try a.segmentation.map { try InstanceDataset.mask($0, path: annotationPath) }))
        }
        var images: [DatasetImage] = []
        for entry in file.images {
            let instances = instancesOfImage[entry.id] ?? []
            if options.dropImagesWithoutAnnotations && instances.isEmpty { continue }
            guard let relative = options.pathConvention.relativePath(fileName: entry.fileName, cocoURL: entry.cocoURL) else {
                throw DatasetError.imageWithoutPath(imageID: entry.id)
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

    private static func mask(_ segmentation: Segmentation, path: String) throws -> InstanceMask {
        switch segmentation {
        case .polygons(let parts):
            return .polygons(parts.map { [Point2D](flatCoordinates: $0) })
        case .uncompressedRLE(let height, let width, let counts):
            // COCO RLE runs go down the columns (Fortran order), starting with background.
            var values = [UInt8](repeating: 0, count: width * height)
            var position = 0, inside = false
            for run in counts {
                if inside {
                    for p in position ..< min(position + run, width * height) { values[(p % height) * width + p / height] = 1 }
                }
                position += run
                inside.toggle()
            }
            return .bitmap(BinaryMask(width: width, height: height, values: values))
        case .compressedRLE:
            throw DatasetError.annotationFileInvalid(path: path, reason: "compressed RLE ground truth is not supported yet")
        }
    }
}
