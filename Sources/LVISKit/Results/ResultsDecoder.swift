/// Decodes a results file (a JSON list of detections) column-wise into `DetectionResults`.
enum ResultsDecoder {
    private static let keys = JSONReader.KeyTable(["image_id", "category_id", "score", "bbox", "segmentation"])

    static func decode(_ r: inout JSONReader) throws(JSONReader.Failure) -> DetectionResults {
        var results = DetectionResults()
        // A rough count to avoid regrowing the columns: ~90 bytes per box result.
        results.reserve(min(r.count / 90 + 16, 50_000_000))
        try r.beginArray()
        var first = true
        var i = 0
        while try r.nextElement(&first) {
            do throws(JSONReader.Failure) { try detection(&r, into: &results) } catch { throw error.prepending(index: i) }
            i += 1
        }
        return results
    }

    private static let rleKeys = JSONReader.KeyTable(["size", "counts"])

    /// One detection, written straight into the columns (no allocation per detection for boxes and
    /// compressed masks).
    private static func detection(_ r: inout JSONReader, into results: inout DetectionResults) throws(JSONReader.Failure) {
        var imageId: Int?, categoryId: Int?, score: Double?
        var hasBox = false
        var box = (0.0, 0.0, 0.0, 0.0)
        var kind = DetectionResults.MaskKind.none
        var ref = 0, length: Int32 = 0, height: Int32 = 0, width: Int32 = 0
        var polygons: [[Double]]?
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: keys) {
            switch key {
            case 0: imageId = try DatasetDecoder.field("image_id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 1: categoryId = try DatasetDecoder.field("category_id") { () throws(JSONReader.Failure) in try r.readInt() }
            case 2: score = try DatasetDecoder.field("score") { () throws(JSONReader.Failure) in try r.readDouble() }
            case 3:
                box = try DatasetDecoder.field("bbox") { () throws(JSONReader.Failure) in try readBox(&r) }
                hasBox = true
            case 4:
                try DatasetDecoder.field("segmentation") { () throws(JSONReader.Failure) in
                    switch try r.peek() {
                    case .array:
                        guard case let .polygons(parts) = try DatasetDecoder.readSegmentation(&r) else { return }
                        polygons = parts
                        kind = .polygons
                    case .object:
                        (ref, length, height, width) = try readRLE(&r, into: &results.maskBytes)
                        kind = .compressed
                    default:
                        throw r.schemaError("segmentation must be an RLE object or a list of polygons")
                    }
                }
            default: try r.skipValue()
            }
        }
        guard let imageId else { throw r.schemaError("detection without 'image_id'") }
        guard let categoryId else { throw r.schemaError("detection without 'category_id'") }
        guard let score else { throw r.schemaError("detection without 'score'") }
        results.imageIds.append(imageId)
        results.categoryIds.append(categoryId)
        results.scores.append(score)
        if hasBox {
            results.boxes.append(box.0)
            results.boxes.append(box.1)
            results.boxes.append(box.2)
            results.boxes.append(box.3)
        } else {
            for _ in 0..<4 { results.boxes.append(.nan) }
        }
        results.hasBox.append(hasBox)
        results.maskKind.append(kind)
        if let polygons {
            results.maskRef.append(results.polygons.count)
            results.polygons.append(polygons)
        } else {
            results.maskRef.append(ref)
        }
        results.maskLength.append(length)
        results.maskHeight.append(height)
        results.maskWidth.append(width)
    }

    /// An RLE object appended to `pool` in compressed form (uncompressed counts are compressed, as
    /// pycocotools' frUncompressedRLE does; sums are checked when the mask is decoded).
    private static func readRLE(_ r: inout JSONReader, into pool: inout [UInt8]) throws(JSONReader.Failure)
        -> (Int, Int32, Int32, Int32)
    {
        var height = -1, width = -1
        let ref = pool.count
        var sawCounts = false
        try r.beginObject()
        var first = true
        while let key = try r.nextKey(&first, in: rleKeys) {
            switch key {
            case 0:
                try DatasetDecoder.field("size") { () throws(JSONReader.Failure) in
                    try r.beginArray()
                    var n = 0
                    var f = true
                    while try r.nextElement(&f) {
                        let v = try r.readInt()
                        if n == 0 { height = v } else if n == 1 { width = v }
                        n += 1
                    }
                    guard n == 2 else { throw r.schemaError("size must be [height, width]") }
                }
            case 1:
                guard !sawCounts else { try r.skipValue(); continue }
                sawCounts = true
                try DatasetDecoder.field("counts") { () throws(JSONReader.Failure) in
                    if try r.peek() == .string {
                        try r.readString(appendingTo: &pool)
                    } else {
                        RLECodec.encode(try r.readRLECounts(), into: &pool)
                    }
                }
            default: try r.skipValue()
            }
        }
        guard height >= 0, width >= 0 else { throw r.schemaError("RLE without 'size': [height, width]") }
        guard height <= Int(Int32.max), width <= Int(Int32.max) else {
            throw r.schemaError("RLE size [\(height), \(width)] out of range")
        }
        guard sawCounts else { throw r.schemaError("RLE without 'counts'") }
        return (ref, Int32(pool.count - ref), Int32(height), Int32(width))
    }

    private static func readBox(_ r: inout JSONReader) throws(JSONReader.Failure) -> (Double, Double, Double, Double) {
        try r.beginArray()
        var box = (0.0, 0.0, 0.0, 0.0)
        var first = true
        var n = 0
        while try r.nextElement(&first) {
            let value: Double
            do throws(JSONReader.Failure) { value = try r.readDouble() } catch { throw error.prepending(index: n) }
            switch n {
            case 0: box.0 = value
            case 1: box.1 = value
            case 2: box.2 = value
            case 3: box.3 = value
            default: break
            }
            n += 1
        }
        guard n == 4 else { throw r.schemaError("a box needs 4 numbers [x, y, w, h], found \(n)") }
        return box
    }
}
