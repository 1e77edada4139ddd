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

    private static func detection(_ r: inout JSONReader, into results: inout DetectionResults) throws(JSONReader.Failure) {
        var imageId: Int?, categoryId: Int?, score: Double?
        var box: [Double]?
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
            case 4:
                try DatasetDecoder.field("segmentation") { () throws(JSONReader.Failure) in
                    switch try r.peek() {
                    case .array:
                        guard case let .polygons(parts) = try DatasetDecoder.readSegmentation(&r) else { return }
                        polygons = parts
                        kind = .polygons
                    case .object:
                        let raw = try DatasetDecoder.readRawRLE(&r)
                        guard raw.height >= 0, raw.width >= 0, raw.height <= Int(Int32.max), raw.width <= Int(Int32.max)
                        else { throw r.schemaError("RLE size [\(raw.height), \(raw.width)] out of range") }
                        height = Int32(raw.height)
                        width = Int32(raw.width)
                        kind = .compressed
                        ref = results.maskBytes.count
                        if let compressed = raw.compressed {
                            results.maskBytes.append(contentsOf: compressed)
                        } else {
                            // Uncompressed counts are stored compressed, as pycocotools' frUncompressedRLE does;
                            // their sum is checked when the mask is decoded.
                            RLECodec.encode(raw.counts ?? [], into: &results.maskBytes)
                        }
                        length = Int32(results.maskBytes.count - ref)
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
        results.appendCore(imageId: imageId, categoryId: categoryId, score: score, box: box)
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

    private static func readBox(_ r: inout JSONReader) throws(JSONReader.Failure) -> [Double] {
        // Box: four numbers; read without allocating an intermediate array per detection.
        try r.beginArray()
        var box = [0.0, 0.0, 0.0, 0.0]
        var first = true
        var n = 0
        while try r.nextElement(&first) {
            let value: Double
            do throws(JSONReader.Failure) { value = try r.readDouble() } catch { throw error.prepending(index: n) }
            if n < 4 { box[n] = value }
            n += 1
        }
        guard n == 4 else { throw r.schemaError("a box needs 4 numbers [x, y, w, h], found \(n)") }
        return box
    }
}
