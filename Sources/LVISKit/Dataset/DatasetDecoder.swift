/// Decodes a COCO/LVIS ground-truth document with `JSONReader`.
enum DatasetDecoder {
    private static let topKeys = JSONReader.KeyTable(["images", "categories", "annotations"])
    private static let imageKeys = JSONReader.KeyTable([
        "id", "file_name", "coco_url", "height", "width", "neg_category_ids", "not_exhaustive_category_ids",
    ])
    private static let categoryKeys = JSONReader.KeyTable(["id", "name", "frequency", "image_count", "instance_count"])
    private static let annotationKeys = JSONReader.KeyTable([
        "id", "image_id", "category_id", "bbox", "area", "segmentation", "iscrowd", "ignore",
    ])

    static func decode(_ r: inout JSONReader) throws(JSONReader.Failure) -> LVISDataset {
        var images: [LVISDataset.Image] = []
        var categories: [LVISDataset.Category] = []
        var annotations: [LVISDataset.Annotation] = []
        var lvisFields = false
        var seen = [false, false, false]
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: topKeys) {
            do throws(JSONReader.Failure) {
                switch key {
                case 0: images = try decodeArray(&r) { (r: inout JSONReader) throws(JSONReader.Failure) in try image(&r, &lvisFields) }
                case 1: categories = try decodeArray(&r) { (r: inout JSONReader) throws(JSONReader.Failure) in try category(&r, &lvisFields) }
                case 2: annotations = try decodeArray(&r, annotation)
                default: try r.skipValue()
                }
            } catch {
                // A malformed value under a key the decoder skips (key -1) has no name in the table.
                throw key >= 0 ? error.prepending(["images", "categories", "annotations"][key]) : error
            }
            if key >= 0 { seen[key] = true }
        }
        for (i, name) in ["images", "categories", "annotations"].enumerated() where !seen[i] {
            throw r.schemaError("missing key '\(name)' in the ground-truth object")
        }
        return LVISDataset(images: images, categories: categories, annotations: annotations, hasLVISFields: lvisFields)
    }

    static func decodeArray<T>(
        _ r: inout JSONReader, _ element: (inout JSONReader) throws(JSONReader.Failure) -> T
    ) throws(JSONReader.Failure) -> [T] {
        try r.beginArray()
        var out: [T] = []
        var first = true
        var i = 0
        while try r.nextElement(&first) {
            do throws(JSONReader.Failure) { out.append(try element(&r)) } catch { throw error.prepending(index: i) }
            i += 1
        }
        return out
    }

    /// Runs `body` for one object value, naming the key in the error path on failure.
    @inline(__always) static func field<T>(
        _ name: String, _ body: () throws(JSONReader.Failure) -> T
    ) throws(JSONReader.Failure) -> T {
        do throws(JSONReader.Failure) { return try body() } catch { throw error.prepending(name) }
    }

    static func image(_ r: inout JSONReader, _ lvisFields: inout Bool) throws(JSONReader.Failure) -> LVISDataset.Image {
        var id: Int?, height: Int?, width: Int?
        var fileName: String?, cocoURL: String?
        var neg: [Int] = [], notExhaustive: [Int] = []
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: imageKeys) {
            switch key {
            case 0: id = try field("id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 1: fileName = try field("file_name") { () throws(JSONReader.Failure) in try r.readString() }
            case 2: cocoURL = try field("coco_url") { () throws(JSONReader.Failure) in try r.readString() }
            case 3: height = try field("height") { () throws(JSONReader.Failure) in try r.readInt() }
            case 4: width = try field("width") { () throws(JSONReader.Failure) in try r.readInt() }
            case 5:
                neg = try field("neg_category_ids") { () throws(JSONReader.Failure) in try r.readIntArray() }
                lvisFields = true
            case 6:
                notExhaustive = try field("not_exhaustive_category_ids") { () throws(JSONReader.Failure) in try r.readIntArray() }
                lvisFields = true
            default: try r.skipValue()
            }
        }
        guard let id else { throw r.schemaError("image without 'id'") }
        // Masks are rasterised at the image size: a size no mask can have must fail here, naming the image.
        if let height, let width, (try? RLE.checkSize(height: height, width: width)) == nil {
            throw r.schemaError("image \(id) has size \(height) x \(width): height and width must be at least 0, and height * width at most \(UInt32.max)")
        }
        return LVISDataset.Image(
            id: id, fileName: fileName, cocoURL: cocoURL, height: height ?? 0, width: width ?? 0,
            negCategoryIds: neg, notExhaustiveCategoryIds: notExhaustive)
    }

    static func category(_ r: inout JSONReader, _ lvisFields: inout Bool) throws(JSONReader.Failure) -> LVISDataset.Category {
        var id: Int?
        var name = ""
        var frequency: LVISDataset.Frequency?
        var imageCount: Int?
        var instanceCount: Int?
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: categoryKeys) {
            switch key {
            case 0: id = try field("id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 1: name = try field("name") { () throws(JSONReader.Failure) in try r.readString() }
            case 2:
                let text = try field("frequency") { () throws(JSONReader.Failure) in try r.readString() }
                guard let f = LVISDataset.Frequency(rawValue: text) else {
                    throw r.schemaError("frequency '\(text)' is not one of r, c, f").prepending("frequency")
                }
                frequency = f
                lvisFields = true
            case 3: imageCount = try field("image_count") { () throws(JSONReader.Failure) in try r.readInt() }
            case 4: instanceCount = try field("instance_count") { () throws(JSONReader.Failure) in try r.readInt() }
            default: try r.skipValue()
            }
        }
        guard let id else { throw r.schemaError("category without 'id'") }
        return LVISDataset.Category(
            id: id, name: name, frequency: frequency, imageCount: imageCount, instanceCount: instanceCount)
    }

    static func annotation(_ r: inout JSONReader) throws(JSONReader.Failure) -> LVISDataset.Annotation {
        var id: Int?, imageId: Int?, categoryId: Int?, area: Double?
        var bbox: [Double]?
        var segmentation: LVISDataset.Segmentation?
        var iscrowd = false, ignore = false
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: annotationKeys) {
            switch key {
            case 0: id = try field("id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 1: imageId = try field("image_id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 2: categoryId = try field("category_id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 3: bbox = try field("bbox") { () throws(JSONReader.Failure) in try readBox(&r) }
            case 4: area = try field("area") { () throws(JSONReader.Failure) in try r.readDouble() }
            case 5: segmentation = try field("segmentation") { () throws(JSONReader.Failure) in try readSegmentation(&r) }
            case 6: iscrowd = try field("iscrowd") { () throws(JSONReader.Failure) in try readFlag(&r) }
            case 7: ignore = try field("ignore") { () throws(JSONReader.Failure) in try readFlag(&r) }
            default: try r.skipValue()
            }
        }
        guard let id else { throw r.schemaError("annotation without 'id'") }
        guard let imageId else { throw r.schemaError("annotation without 'image_id'") }
        guard let categoryId else { throw r.schemaError("annotation without 'category_id'") }
        guard let area else { throw r.schemaError("annotation without 'area'") }
        return LVISDataset.Annotation(
            id: id, imageId: imageId, categoryId: categoryId, bbox: bbox, area: area,
            segmentation: segmentation, iscrowd: iscrowd, ignore: ignore)
    }

    /// `[x, y, w, h]`: exactly four numbers.
    static func readBox(_ r: inout JSONReader) throws(JSONReader.Failure) -> [Double] {
        let box = try r.readDoubleArray()
        guard box.count == 4 else { throw r.schemaError("a box needs 4 numbers [x, y, w, h], found \(box.count)") }
        return box
    }

    /// A 0/1 flag written as a number or a boolean (Python truthiness).
    static func readFlag(_ r: inout JSONReader) throws(JSONReader.Failure) -> Bool {
        switch try r.peek() {
        case .bool: return try r.readBool()
        case .null: try r.readNull(); return false
        default: return try r.readDouble() != 0
        }
    }

    private static let rleKeys = JSONReader.KeyTable(["size", "counts"])

    /// A polygon list, or an RLE object with compressed or uncompressed counts (validated against its size).
    static func readSegmentation(_ r: inout JSONReader) throws(JSONReader.Failure) -> LVISDataset.Segmentation {
        switch try r.peek() {
        case .array:
            try r.beginArray()
            var parts: [[Double]] = []
            var first = true
            while try r.nextElement(&first) {
                let index = parts.count
                do throws(JSONReader.Failure) {
                    let polygon = try r.readDoubleArray()
                    guard polygon.count >= 2 else {
                        throw r.schemaError("a polygon needs at least one point [x, y], found \(polygon.count) numbers")
                    }
                    parts.append(polygon)
                } catch { throw error.prepending(index: index) }
            }
            return .polygons(parts)
        case .object:
            let raw = try readRawRLE(&r)
            do {
                return .rle(try raw.rle())
            } catch {
                throw r.schemaError("\(error)")
            }
        default:
            throw r.schemaError("segmentation must be a list of polygons or an RLE object")
        }
    }

    /// An RLE object as written: the size and either the compressed string or the counts list.
    struct RawRLE {
        var height: Int
        var width: Int
        var compressed: [UInt8]?
        var counts: [UInt32]?

        func rle() throws -> RLE {
            if let compressed {
                let counts = try compressed.withUnsafeBufferPointer { try RLECodec.decode($0) }
                return try RLE(height: height, width: width, counts: counts)
            }
            return try RLE(height: height, width: width, counts: counts ?? [])
        }
    }

    static func readRawRLE(_ r: inout JSONReader) throws(JSONReader.Failure) -> RawRLE {
        var size: [Int]?
        var raw = RawRLE(height: 0, width: 0)
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: rleKeys) {
            switch key {
            case 0: size = try field("size") { () throws(JSONReader.Failure) in try r.readIntArray() }
            case 1:
                try field("counts") { () throws(JSONReader.Failure) in
                    if try r.peek() == .string {
                        var bytes: [UInt8] = []
                        try r.readString(appendingTo: &bytes)
                        raw.compressed = bytes
                    } else {
                        raw.counts = try r.readRLECounts()
                    }
                }
            default: try r.skipValue()
            }
        }
        guard let size, size.count == 2 else { throw r.schemaError("RLE without 'size': [height, width]") }
        guard raw.compressed != nil || raw.counts != nil else { throw r.schemaError("RLE without 'counts'") }
        raw.height = size[0]
        raw.width = size[1]
        return raw
    }
}
