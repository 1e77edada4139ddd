import Foundation

/// The contents of a COCO or LVIS instance annotation file, as the data pipeline needs them.
///
/// This is the data layer's view until LVISKit's JSON model lands on main; then the dataset
/// reads LVISKit's types and this file goes away. Field names follow the JSON keys of the LVIS
/// format (COCO files simply lack the LVIS-only fields).
public struct AnnotationFile: Codable, Sendable, Equatable {
    public var images: [ImageEntry]
    public var categories: [CategoryEntry]
    public var annotations: [AnnotationEntry]

    public init(images: [ImageEntry], categories: [CategoryEntry], annotations: [AnnotationEntry]) {
        self.images = images
        self.categories = categories
        self.annotations = annotations
    }

    public struct ImageEntry: Codable, Sendable, Equatable {
        public var id: Int
        public var width: Int
        public var height: Int
        /// COCO and LVIS v0.5: the file name relative to the image folder.
        public var fileName: String?
        /// LVIS v1: the COCO URL whose last two components are `train2017/xxx.jpg`.
        public var cocoURL: String?
        public var negCategoryIDs: [Int]?
        public var notExhaustiveCategoryIDs: [Int]?

        public init(id: Int, width: Int, height: Int, fileName: String? = nil, cocoURL: String? = nil,
                    negCategoryIDs: [Int]? = nil, notExhaustiveCategoryIDs: [Int]? = nil) {
            self.id = id
            self.width = width
            self.height = height
            self.fileName = fileName
            self.cocoURL = cocoURL
            self.negCategoryIDs = negCategoryIDs
            self.notExhaustiveCategoryIDs = notExhaustiveCategoryIDs
        }

        enum CodingKeys: String, CodingKey {
            case id, width, height
            case fileName = "file_name"
            case cocoURL = "coco_url"
            case negCategoryIDs = "neg_category_ids"
            case notExhaustiveCategoryIDs = "not_exhaustive_category_ids"
        }
    }

    public struct CategoryEntry: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String
        /// LVIS: "r", "c" or "f".
        public var frequency: String?
        public var imageCount: Int?
        public var instanceCount: Int?
        public var synset: String?
        public var synonyms: [String]?
        public var definition: String?

        public init(id: Int, name: String, frequency: String? = nil, imageCount: Int? = nil, instanceCount: Int? = nil,
                    synset: String? = nil, synonyms: [String]? = nil, definition: String? = nil) {
            self.id = id
            self.name = name
            self.frequency = frequency
            self.imageCount = imageCount
            self.instanceCount = instanceCount
            self.synset = synset
            self.synonyms = synonyms
            self.definition = definition
        }

        enum CodingKeys: String, CodingKey {
            case id, name, frequency, synset, synonyms
            case imageCount = "image_count"
            case instanceCount = "instance_count"
            case definition = "def"
        }
    }

    public struct AnnotationEntry: Codable, Sendable, Equatable {
        public var id: Int
        public var imageID: Int
        public var categoryID: Int
        /// [x, y, width, height] in pixels.
        public var bbox: [Double]
        public var area: Double
        public var segmentation: Segmentation?
        public var isCrowd: Int?

        public init(id: Int, imageID: Int, categoryID: Int, bbox: [Double], area: Double,
                    segmentation: Segmentation? = nil, isCrowd: Int? = nil) {
            self.id = id
            self.imageID = imageID
            self.categoryID = categoryID
            self.bbox = bbox
            self.area = area
            self.segmentation = segmentation
            self.isCrowd = isCrowd
        }

        enum CodingKeys: String, CodingKey {
            case id, bbox, area, segmentation
            case imageID = "image_id"
            case categoryID = "category_id"
            case isCrowd = "iscrowd"
        }
    }

    public static func read(_ path: String) throws -> AnnotationFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetError.annotationFileUnreadable(path: path, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode(AnnotationFile.self, from: data)
        } catch {
            throw DatasetError.annotationFileInvalid(path: path, reason: String(describing: error))
        }
    }

    /// Key-sorted JSON, so that the same contents always give the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// An instance mask as stored in COCO/LVIS files: polygons (each a flat `[x1, y1, x2, y2, ...]`
/// list, united) or run-length encoding (uncompressed counts or the compressed string).
public enum Segmentation: Codable, Sendable, Equatable {
    case polygons([[Double]])
    case uncompressedRLE(height: Int, width: Int, counts: [Int])
    case compressedRLE(height: Int, width: Int, counts: String)

    private enum RLEKeys: String, CodingKey { case size, counts }

    public init(from decoder: Decoder) throws {
        if let polygons = try? decoder.singleValueContainer().decode([[Double]].self) {
            self = .polygons(polygons)
            return
        }
        let container = try decoder.container(keyedBy: RLEKeys.self)
        let size = try container.decode([Int].self, forKey: .size)
        guard size.count == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .size, in: container, debugDescription: "RLE size must be [height, width]")
        }
        if let counts = try? container.decode(String.self, forKey: .counts) {
            self = .compressedRLE(height: size[0], width: size[1], counts: counts)
        } else {
            self = .uncompressedRLE(height: size[0], width: size[1], counts: try container.decode([Int].self, forKey: .counts))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .polygons(let polygons):
            var container = encoder.singleValueContainer()
            try container.encode(polygons)
        case .uncompressedRLE(let height, let width, let counts):
            var container = encoder.container(keyedBy: RLEKeys.self)
            try container.encode([height, width], forKey: .size)
            try container.encode(counts, forKey: .counts)
        case .compressedRLE(let height, let width, let counts):
            var container = encoder.container(keyedBy: RLEKeys.self)
            try container.encode([height, width], forKey: .size)
            try container.encode(counts, forKey: .counts)
        }
    }
}
