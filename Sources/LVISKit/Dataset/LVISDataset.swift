/// A COCO or LVIS ground-truth file: images, categories and annotations, with the LVIS fields
/// (negative and not-exhaustive category lists per image, category frequency and image count).
///
/// `LVISDataset.load(path:)` reads a file at hundreds of MB/s (a hand-written pull parser, no
/// intermediate tree); unknown keys are skipped; errors name the file, the JSON path and the problem.
public struct LVISDataset: Sendable {
    public struct Image: Sendable, Equatable {
        public var id: Int
        public var fileName: String?
        public var cocoURL: String?
        public var height: Int
        public var width: Int
        /// Categories verified absent from the image (LVIS): their detections count as false positives.
        public var negCategoryIds: [Int]
        /// Categories possibly present but not exhaustively annotated (LVIS): unmatched detections are ignored.
        public var notExhaustiveCategoryIds: [Int]

        public init(
            id: Int, fileName: String? = nil, cocoURL: String? = nil, height: Int, width: Int,
            negCategoryIds: [Int] = [], notExhaustiveCategoryIds: [Int] = []
        ) {
            self.id = id
            self.fileName = fileName
            self.cocoURL = cocoURL
            self.height = height
            self.width = width
            self.negCategoryIds = negCategoryIds
            self.notExhaustiveCategoryIds = notExhaustiveCategoryIds
        }
    }

    /// LVIS frequency group of a category, from the number of training images that contain it.
    public enum Frequency: String, Sendable, CaseIterable {
        case rare = "r", common = "c", frequent = "f"
    }

    public struct Category: Sendable, Equatable {
        public var id: Int
        public var name: String
        public var frequency: Frequency?
        public var imageCount: Int?
        /// LVIS `instance_count` (training instances of the category) when present.
        public var instanceCount: Int?

        public init(id: Int, name: String, frequency: Frequency? = nil, imageCount: Int? = nil, instanceCount: Int? = nil) {
            self.id = id
            self.name = name
            self.frequency = frequency
            self.imageCount = imageCount
            self.instanceCount = instanceCount
        }
    }

    /// An annotation's shape: polygons (pixel coordinates `[x0, y0, x1, y1, ...]`, one list per part) or an RLE
    /// (read from compressed or uncompressed JSON).
    public enum Segmentation: Sendable, Equatable {
        case polygons([[Double]])
        case rle(RLE)

        /// The mask as lvis-api's `ann_to_rle`: polygons are rasterised at the image size and merged.
        public func rle(height: Int, width: Int) throws -> RLE {
            switch self {
            case let .polygons(parts): return try RLE(polygons: parts, height: height, width: width)
            case let .rle(rle): return rle
            }
        }
    }

    public struct Annotation: Sendable, Equatable {
        public var id: Int
        public var imageId: Int
        public var categoryId: Int
        /// `[x, y, w, h]`; nil when the file has none (then only segm evaluation is possible).
        public var bbox: [Double]?
        public var area: Double
        public var segmentation: Segmentation?
        public var iscrowd: Bool
        /// LVIS `ignore` flag when present.
        public var ignore: Bool

        public init(
            id: Int, imageId: Int, categoryId: Int, bbox: [Double]?, area: Double,
            segmentation: Segmentation? = nil, iscrowd: Bool = false, ignore: Bool = false
        ) {
            self.id = id
            self.imageId = imageId
            self.categoryId = categoryId
            self.bbox = bbox
            self.area = area
            self.segmentation = segmentation
            self.iscrowd = iscrowd
            self.ignore = ignore
        }
    }

    public var images: [Image]
    public var categories: [Category]
    public var annotations: [Annotation]
    /// True when the file has LVIS fields (neg/not-exhaustive lists or category frequencies): the default
    /// evaluation style is then LVIS, otherwise COCO.
    public var hasLVISFields: Bool

    public init(images: [Image], categories: [Category], annotations: [Annotation], hasLVISFields: Bool? = nil) {
        self.images = images
        self.categories = categories
        self.annotations = annotations
        self.hasLVISFields = hasLVISFields ?? categories.contains { $0.frequency != nil }
    }

    /// Loads a COCO or LVIS ground-truth JSON file.
    public static func load(path: String) throws -> LVISDataset {
        try JSONDocument.decodeFile(path) { (reader: inout JSONReader) throws(JSONReader.Failure) in
            try DatasetDecoder.decode(&reader)
        }
    }

    /// Decodes ground truth from JSON bytes; `name` is used in error messages.
    public static func decode(json: [UInt8], name: String = "<memory>") throws -> LVISDataset {
        try JSONDocument.decode(bytes: json, name: name) { (reader: inout JSONReader) throws(JSONReader.Failure) in
            try DatasetDecoder.decode(&reader)
        }
    }
}
