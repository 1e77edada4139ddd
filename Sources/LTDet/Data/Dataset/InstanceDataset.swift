import Foundation
import LVISKit

/// A COCO or LVIS (v0.5, v1) instance segmentation dataset: annotation file plus image folder.
///
/// The targets are filtered as mmdet 2.x's `CocoDataset._parse_ann_info` (LVIS datasets inherit it): an
/// annotation marked `ignore`, a box that does not overlap the image, one narrower or shorter than 1 px and one
/// whose `area` is not positive are left out, and crowd regions are not targets. With
/// `dropImagesWithoutAnnotations` (training, `filter_empty_gt`) an image is removed as `_filter_imgs` removes it:
/// when no annotation at all names it, even one the box rules then leave out (mmdet trains such an image with
/// no targets); `minImageSize` removes images whose shorter side is smaller (`_filter_imgs(min_size=32)` in
/// training). Samplers, repeat factors and epoch lengths all see the list that remains.
///
/// An annotation that would be a wrong target (see `TrainingAnnotationCheck`, an RLE of another size than its
/// image, an RLE where `masksAsOutlines` needs polygons) is an error naming it, or with `skipInvalidAnnotations`
/// (`data.error_policy: skip`) left out and listed in `skippedAnnotations`; its category still counts for the
/// samplers, as mmdet's `get_cat_ids` reads every annotation.
public struct InstanceDataset: Sendable {
    public let images: [DatasetImage]
    public let labels: CategoryLabelMap
    public let annotationPath: String
    /// Why each annotation left out under `skipInvalidAnnotations` was, in file order.
    public let skippedAnnotations: [DatasetError]

    public struct Options: Sendable {
        public var imageRoot: String
        public var pathConvention: ImagePathConvention = .automatic
        public var dropImagesWithoutAnnotations: Bool = false
        public var minImageSize: Int = 0
        /// Reject annotations that would be wrong training targets, and a set with none to train on
        /// (`TrainingAnnotationCheck`).
        public var checkForTraining: Bool = false
        /// Leave invalid annotations out and list them instead of failing (`data.error_policy: skip`).
        public var skipInvalidAnnotations: Bool = false
        /// The masks become outline targets (`poly2mask: false`, mmdet's `PolygonMasks`), so a target's
        /// segmentation must be polygons: mmdet's `LoadAnnotations` would read an RLE's keys as polygons.
        public var masksAsOutlines: Bool = false

        public init(
            imageRoot: String, pathConvention: ImagePathConvention = .automatic, dropImagesWithoutAnnotations: Bool = false,
            minImageSize: Int = 0, checkForTraining: Bool = false, skipInvalidAnnotations: Bool = false,
            masksAsOutlines: Bool = false
        ) {
            self.imageRoot = imageRoot
            self.pathConvention = pathConvention
            self.dropImagesWithoutAnnotations = dropImagesWithoutAnnotations
            self.minImageSize = minImageSize
            self.checkForTraining = checkForTraining
            self.skipInvalidAnnotations = skipInvalidAnnotations
            self.masksAsOutlines = masksAsOutlines
        }
    }

    /// mmdet's `_filter_imgs(min_size=32)`, applied to training sets only.
    public static let minTrainingImageSize = 32

    /// Reads COCO or LVIS ground truth through LVISKit.
    public init(annotationFile path: String, options: Options) throws {
        try self.init(groundTruth: try LVISDataset.load(path: path), annotationPath: path, options: options)
    }

    public init(groundTruth: LVISDataset, annotationPath: String = "<memory>", options: Options) throws {
        labels = CategoryLabelMap(categories: groundTruth.categories.map { ($0.id, $0.name, $0.frequency) })
        self.annotationPath = annotationPath
        var skipped = options.checkForTraining
            ? try TrainingAnnotationCheck.check(groundTruth, path: annotationPath, skipInvalid: options.skipInvalidAnnotations)
            : [:]
        let sizeOfImage = Dictionary(groundTruth.images.map { ($0.id, (width: Double($0.width), height: Double($0.height))) },
                                     uniquingKeysWith: { first, _ in first })
        var instancesOfImage: [Int: [DatasetInstance]] = [:]
        var categoriesOfImage: [Int: [Int]] = [:]
        for (index, a) in groundTruth.annotations.enumerated() {
            guard let label = labels.label(forCategoryID: a.categoryId) else {
                throw DatasetError.unknownCategory(annotationFile: annotationPath, categoryID: a.categoryId, annotationID: a.id)
            }
            categoriesOfImage[a.imageId, default: []].append(a.categoryId)
            guard skipped[index] == nil, !a.ignore, !a.iscrowd, let bbox = a.bbox, bbox.count == 4, let size = sizeOfImage[a.imageId],
                  Self.isTrainingBox(bbox, area: a.area, imageWidth: size.width, imageHeight: size.height) else { continue }
            // An RLE is decoded to pixels here: one of another size than its image would be a wrong mask, and a
            // huge one (100000 x 100000) would take minutes and gigabytes before anything failed.
            if case .rle(let rle) = a.segmentation {
                var problem: DatasetError?
                if rle.height != Int(size.height) || rle.width != Int(size.width) {
                    problem = .invalidAnnotation(
                        annotationFile: annotationPath, annotationID: a.id, field: "segmentation.size",
                        problem: "[\(rle.height), \(rle.width)] differs from its image \(a.imageId) ([\(Int(size.height)), \(Int(size.width))])")
                } else if options.masksAsOutlines {
                    problem = .invalidAnnotation(
                        annotationFile: annotationPath, annotationID: a.id, field: "segmentation",
                        problem: "is an RLE, but poly2mask: false (mmdet's PolygonMasks) needs polygons; set data.train_pipeline.poly2mask: true")
                }
                if let problem {
                    guard options.skipInvalidAnnotations else { throw problem }
                    skipped[index] = problem
                    continue
                }
            }
            instancesOfImage[a.imageId, default: []].append(
                DatasetInstance(label: label, box: BoundingBox(xywh: bbox), mask: a.segmentation.map(InstanceDataset.mask),
                                annotationID: a.id))
        }
        var images: [DatasetImage] = []
        for entry in groundTruth.images {
            let instances = instancesOfImage[entry.id] ?? []
            let categories = categoriesOfImage[entry.id] ?? []
            if options.dropImagesWithoutAnnotations && categories.isEmpty { continue }
            if min(entry.width, entry.height) < options.minImageSize { continue }
            guard let relative = options.pathConvention.relativePath(fileName: entry.fileName, cocoURL: entry.cocoURL) else {
                throw DatasetError.imageWithoutPath(annotationFile: annotationPath, imageID: entry.id)
            }
            images.append(DatasetImage(id: entry.id, path: (options.imageRoot as NSString).appendingPathComponent(relative),
                                       width: entry.width, height: entry.height, instances: instances,
                                       annotatedCategoryIDs: categories))
        }
        self.images = images
        skippedAnnotations = skipped.sorted { $0.key < $1.key }.map(\.value)
    }

    public var count: Int { images.count }

    /// The category ids of every annotation of each image, targets or not, for repeat factors and class-aware
    /// samplers: mmdet's `get_cat_ids` reads the raw annotations, not the filtered targets.
    public var imageCategories: [[Int]] { images.map(\.annotatedCategoryIDs) }

    /// mmdet's `_parse_ann_info` box rules: the box overlaps the image, is at least 1 px wide and high, and the
    /// annotation's area is positive.
    static func isTrainingBox(_ xywh: [Double], area: Double, imageWidth: Double, imageHeight: Double) -> Bool {
        let (x, y, w, h) = (xywh[0], xywh[1], xywh[2], xywh[3])
        let overlapWidth = max(0, min(x + w, imageWidth) - max(x, 0))
        let overlapHeight = max(0, min(y + h, imageHeight) - max(y, 0))
        return overlapWidth * overlapHeight > 0 && area > 0 && w >= 1 && h >= 1
    }

    private static func mask(_ segmentation: LVISDataset.Segmentation) -> InstanceMask {
        switch segmentation {
        case .polygons(let parts): return .polygons(parts.map { [Point2D](flatCoordinates: $0) })
        case .rle(let rle): return .bitmap(BinaryMask(rle))
        }
    }
}
