/// Runs the mask functions on a batch of inputs read from JSON and writes every output as JSON: the hook the
/// reference check (scripts/reference/mask_crosscheck.py) uses to compare LVISKit with pycocotools on
/// thousands of random cases in one process start. Sections (all optional):
///
///     "polygons":     [{"h", "w", "polygons": [[x, y, ...], ...]}] -> {"parts": [str], "merged": str, "area", "bbox"}
///     "boxes":        [{"h", "w", "box": [x, y, w, h]}]           -> str (frBbox)
///     "masks":        [{"h", "w", "bits": "0110..."}] (column-major) -> {"counts": str, "area", "bbox", "bits"}
///     "uncompressed": [{"h", "w", "counts": [int]}]               -> str
///     "strings":      [{"h", "w", "counts": str, "bits": bool}]  -> {"counts": [int], "area", "bbox", "bits"?, "string"}
///     "merges":       [{"h", "w", "rles": [str], "intersect": bool}] -> str
///     "ious":         [{"kind": "bbox"|"segm", "h", "w", "dt": [...], "gt": [...], "iscrowd": [0|1]}] -> [[Double]]
///     "invalid":      [{"h", "w", "counts": str | [int]}]         -> error text, or null if accepted
public enum MaskBatch {
    public static func run(inputPath: String, outputPath: String) throws {
        let value = try JSONDocument.decodeFile(inputPath) { (r: inout JSONReader) throws(JSONReader.Failure) in
            try r.readValue()
        }
        var out: [String] = []
        func section(_ name: String, _ body: (JSONValue) throws -> String) throws {
            guard let items = value[name]?.array else { return }
            var rendered: [String] = []
            rendered.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                do {
                    rendered.append(try body(item))
                } catch {
                    throw LVISKitError.invalidInput("\(inputPath): \(name)[\(i)]: \(error)")
                }
            }
            out.append("\"\(name)\": [\n" + rendered.joined(separator: ",\n") + "\n]")
        }
        func size(_ item: JSONValue) throws -> (Int, Int) {
            guard let h = item["h"]?.int, let w = item["w"]?.int else { throw LVISKitError.invalidInput("missing h or w") }
            return (h, w)
        }
        func str(_ s: String) -> String { JSONFormat.string(s) }
        func nums(_ v: [Double]) -> String { "[" + v.map(JSONFormat.number).joined(separator: ", ") + "]" }
        func bits(_ mask: [UInt8]) -> String { String(decoding: mask.map { $0 + 48 }, as: UTF8.self) }
        func rle(_ item: JSONValue, _ h: Int, _ w: Int) throws -> RLE {
            if let s = item.string { return try RLE(compressedCounts: s, height: h, width: w) }
            throw LVISKitError.invalidInput("expected a compressed RLE string")
        }

        try section("polygons") { item in
            let (h, w) = try size(item)
            let polygons = (item["polygons"]?.array ?? []).map { $0.doubles ?? [] }
            let parts = polygons.map { RLE(polygon: $0, height: h, width: w) }
            let merged = try RLE.merge(parts)
            return "{\"parts\": [" + parts.map { str($0.compressedCounts) }.joined(separator: ", ") + "], \"merged\": "
                + str(merged.compressedCounts) + ", \"area\": \(merged.area), \"bbox\": " + nums(merged.bbox) + "}"
        }
        try section("boxes") { item in
            let (h, w) = try size(item)
            return str(RLE(box: item["box"]?.doubles ?? [], height: h, width: w).compressedCounts)
        }
        try section("masks") { item in
            let (h, w) = try size(item)
            let mask = Array((item["bits"]?.string ?? "").utf8).map { $0 - 48 }
            let r = try RLE(mask: mask, height: h, width: w)
            return "{\"counts\": " + str(r.compressedCounts) + ", \"area\": \(r.area), \"bbox\": " + nums(r.bbox)
                + ", \"bits\": \"" + bits(r.decode()) + "\"}"
        }
        try section("uncompressed") { item in
            let (h, w) = try size(item)
            let counts = (item["counts"]?.array ?? []).compactMap { $0.int }.map { UInt32($0) }
            return str(try RLE(height: h, width: w, counts: counts).compressedCounts)
        }
        try section("strings") { item in
            let (h, w) = try size(item)
            let r = try rle(item["counts"] ?? .null, h, w)
            let decoded = item["bits"]?.bool ?? true ? "\"" + bits(r.decode()) + "\"" : "null"
            return "{\"counts\": [" + r.counts.map(String.init).joined(separator: ", ") + "], \"area\": \(r.area), \"bbox\": "
                + nums(r.bbox) + ", \"bits\": " + decoded + ", \"string\": " + str(r.compressedCounts) + "}"
        }
        try section("merges") { item in
            let (h, w) = try size(item)
            let rles = try (item["rles"]?.array ?? []).map { try rle($0, h, w) }
            return str(try RLE.merge(rles, intersect: item["intersect"]?.bool ?? false).compressedCounts)
        }
        try section("ious") { item in
            let crowd = (item["iscrowd"]?.array ?? []).map { $0.bool ?? false }
            let matrix: [[Double]]
            if item["kind"]?.string == "segm" {
                let (h, w) = try size(item)
                let dt = try (item["dt"]?.array ?? []).map { try rle($0, h, w) }
                let gt = try (item["gt"]?.array ?? []).map { try rle($0, h, w) }
                matrix = IoU.masks(dt, gt, iscrowd: crowd)
            } else {
                let dt = (item["dt"]?.array ?? []).map { $0.doubles ?? [] }
                let gt = (item["gt"]?.array ?? []).map { $0.doubles ?? [] }
                matrix = IoU.boxes(dt, gt, iscrowd: crowd)
            }
            return "[" + matrix.map(nums).joined(separator: ", ") + "]"
        }
        try section("invalid") { item in
            let (h, w) = try size(item)
            do {
                if let s = item["counts"]?.string {
                    _ = try RLE(compressedCounts: s, height: h, width: w)
                } else {
                    let counts = (item["counts"]?.array ?? []).compactMap { $0.int }.map { UInt32(clamping: $0) }
                    _ = try RLE(height: h, width: w, counts: counts)
                }
                return "null"
            } catch {
                return str("\(error)")
            }
        }
        try JSONFormat.writeFile(Array(("{\n" + out.joined(separator: ",\n") + "\n}\n").utf8), to: outputPath)
    }
}
