import Foundation
import LVISKit

/// An LVIS ground-truth file as `ltdet synth` writes it. Write-only: everything reads ground truth
/// through LVISKit's `LVISDataset`, which has no writer. Keys are sorted so the same contents
/// always give the same bytes.
public struct LVISGroundTruthFile: Encodable, Sendable {
    public var images: [Image]
    public var categories: [Category]
    public var annotations: [Annotation]

    public struct Image: Encodable, Sendable {
        public var id: Int
        public var width: Int
        public var height: Int
        public var fileName: String
        /// Its last two components are `split/file_name`, LVIS v1's path convention.
        public var cocoURL: String
        public var negCategoryIDs: [Int]
        public var notExhaustiveCategoryIDs: [Int]

        enum CodingKeys: String, CodingKey {
            case id, width, height
            case fileName = "file_name"
            case cocoURL = "coco_url"
            case negCategoryIDs = "neg_category_ids"
            case notExhaustiveCategoryIDs = "not_exhaustive_category_ids"
        }
    }

    public struct Category: Encodable, Sendable {
        public var id: Int
        public var name: String
        /// "r", "c" or "f".
        public var frequency: String
        public var imageCount: Int
        public var instanceCount: Int
        public var synset: String
        public var synonyms: [String]
        public var definition: String

        enum CodingKeys: String, CodingKey {
            case id, name, frequency, synset, synonyms
            case imageCount = "image_count"
            case instanceCount = "instance_count"
            case definition = "def"
        }
    }

    public struct Annotation: Encodable, Sendable {
        public var id: Int
        public var imageID: Int
        public var categoryID: Int
        /// [x, y, width, height].
        public var bbox: [Double]
        public var area: Double
        /// Polygons, each a flat [x1, y1, x2, y2, ...] list.
        public var segmentation: [[Double]]
        public var isCrowd: Int

        enum CodingKeys: String, CodingKey {
            case id, bbox, area, segmentation
            case imageID = "image_id"
            case categoryID = "category_id"
            case isCrowd = "iscrowd"
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The same contents as LVISKit's ground truth, for statistics of a set just generated
    /// without reading it back.
    public var groundTruth: LVISDataset {
        LVISDataset(
            images: images.map {
                LVISDataset.Image(id: $0.id, fileName: $0.fileName, cocoURL: $0.cocoURL, height: $0.height, width: $0.width,
                                  negCategoryIds: $0.negCategoryIDs, notExhaustiveCategoryIds: $0.notExhaustiveCategoryIDs)
            },
            categories: categories.map {
                LVISDataset.Category(id: $0.id, name: $0.name, frequency: LVISDataset.Frequency(rawValue: $0.frequency),
                                     imageCount: $0.imageCount)
            },
            annotations: annotations.map {
                LVISDataset.Annotation(id: $0.id, imageId: $0.imageID, categoryId: $0.categoryID, bbox: $0.bbox, area: $0.area,
                                       segmentation: .polygons($0.segmentation), iscrowd: $0.isCrowd != 0)
            })
    }
}
