import Foundation

/// One detection as a detector produces it and as COCO/LVIS results files store it.
public struct DetectionResult: Sendable, Equatable {
    public var imageId: Int
    public var categoryId: Int
    public var score: Double
    /// `[x, y, w, h]` in pixels.
    public var bbox: [Double]?
    public var segmentation: RLE?

    public init(imageId: Int, categoryId: Int, score: Double, bbox: [Double]?, segmentation: RLE? = nil) {
        self.imageId = imageId
        self.categoryId = categoryId
        self.score = score
        self.bbox = bbox
        self.segmentation = segmentation
    }
}

/// A results file held column-wise (about 80 bytes per detection plus its compressed mask string), which is
/// what lets LVIS-val-size result sets (6M detections) load and evaluate in a few GB.
/// Masks stay in their compressed string form until the evaluator needs them: most detections are
/// discarded by the federated rule before any mask is decoded.
public struct DetectionResults: Sendable {
    enum MaskKind: UInt8, Sendable { case none = 0, compressed, polygons, rle }

    public internal(set) var imageIds: [Int] = []
    public internal(set) var categoryIds: [Int] = []
    public internal(set) var scores: [Double] = []
    /// Four numbers per detection; NaN when the detection has no box.
    var boxes: [Double] = []
    var hasBox: [Bool] = []
    var maskKind: [MaskKind] = []
    /// Offset into `maskBytes` (compressed), or index into `polygons` / `rles`.
    var maskRef: [Int] = []
    var maskLength: [Int32] = []
    var maskHeight: [Int32] = []
    var maskWidth: [Int32] = []
    var maskBytes: [UInt8] = []
    var polygons: [[[Double]]] = []
    var rles: [RLE] = []

    public var count: Int { scores.count }

    public init() {}

    public init(_ results: [DetectionResult]) {
        reserve(results.count)
        for r in results { append(r) }
    }

    mutating func reserve(_ n: Int) {
        imageIds.reserveCapacity(n)
        categoryIds.reserveCapacity(n)
        scores.reserveCapacity(n)
        boxes.reserveCapacity(4 * n)
        hasBox.reserveCapacity(n)
        maskKind.reserveCapacity(n)
        maskRef.reserveCapacity(n)
        maskLength.reserveCapacity(n)
        maskHeight.reserveCapacity(n)
        maskWidth.reserveCapacity(n)
    }

    public mutating func append(_ r: DetectionResult) {
        appendCore(imageId: r.imageId, categoryId: r.categoryId, score: r.score, box: r.bbox)
        if let rle = r.segmentation {
            maskKind.append(.rle)
            maskRef.append(rles.count)
            maskLength.append(0)
            maskHeight.append(Int32(truncatingIfNeeded: rle.height))
            maskWidth.append(Int32(truncatingIfNeeded: rle.width))
            rles.append(rle)
        } else {
            appendNoMask()
        }
    }

    mutating func appendCore(imageId: Int, categoryId: Int, score: Double, box: [Double]?) {
        imageIds.append(imageId)
        categoryIds.append(categoryId)
        scores.append(score)
        if let box, box.count == 4 {
            boxes.append(contentsOf: box)
            hasBox.append(true)
        } else {
            boxes.append(contentsOf: [.nan, .nan, .nan, .nan])
            hasBox.append(false)
        }
    }

    mutating func appendNoMask() {
        maskKind.append(.none)
        maskRef.append(0)
        maskLength.append(0)
        maskHeight.append(0)
        maskWidth.append(0)
    }

    /// The detection at `i` as a value, its RLE mask decoded. A mask given as polygons needs the image size
    /// to be rasterised and is left out here (the evaluator rasterises it at the ground-truth image size).
    public func result(at i: Int) throws -> DetectionResult {
        DetectionResult(
            imageId: imageIds[i], categoryId: categoryIds[i], score: scores[i],
            bbox: hasBox[i] ? Array(boxes[(4 * i)..<(4 * i + 4)]) : nil,
            segmentation: try maskKind[i] == .polygons ? nil : mask(at: i, imageHeight: 0, imageWidth: 0))
    }

    public func box(at i: Int) -> [Double]? { hasBox[i] ? Array(boxes[(4 * i)..<(4 * i + 4)]) : nil }
    public var hasMasks: Bool { maskKind.contains { $0 != .none } }

    /// The mask of detection `i`, or nil when it has none. Polygons are rasterised at the image size.
    func mask(at i: Int, imageHeight: Int, imageWidth: Int) throws -> RLE? {
        switch maskKind[i] {
        case .none: return nil
        case .rle: return rles[maskRef[i]]
        case .polygons: return try RLE(polygons: polygons[maskRef[i]], height: imageHeight, width: imageWidth)
        case .compressed:
            var counts: [UInt32] = []
            try maskBytes.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[maskRef[i]..<(maskRef[i] + Int(maskLength[i]))])
                try RLECodec.decode(slice, into: &counts)
            }
            return try RLE(height: Int(maskHeight[i]), width: Int(maskWidth[i]), counts: counts)
        }
    }

    /// Loads a COCO/LVIS results file: a list of `{image_id, category_id, score, bbox?, segmentation?}`.
    public static func load(path: String) throws -> DetectionResults {
        try JSONDocument.decodeFile(path) { (reader: inout JSONReader) throws(JSONReader.Failure) in
            try ResultsDecoder.decode(&reader)
        }
    }

    public static func decode(json: [UInt8], name: String = "<memory>") throws -> DetectionResults {
        try JSONDocument.decode(bytes: json, name: name) { (reader: inout JSONReader) throws(JSONReader.Failure) in
            try ResultsDecoder.decode(&reader)
        }
    }

    /// Writes the results in the COCO/LVIS results format (masks as compressed RLE).
    public func write(to path: String) throws { try JSONFormat.writeFile(encodedJSON(), to: path) }

    /// The results file's bytes (what `write(to:)` stores and `decode(json:)` reads back unchanged: numbers
    /// are written in their shortest round-trip form).
    public func encodedJSON() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count * 96 + maskBytes.count)
        out.append(UInt8(ascii: "["))
        for i in 0..<count {
            if i > 0 { out.append(contentsOf: Array(",\n".utf8)) }
            var line = "{\"image_id\": \(imageIds[i]), \"category_id\": \(categoryIds[i]), \"score\": \(JSONFormat.number(scores[i]))"
            if hasBox[i] {
                let b = boxes[(4 * i)..<(4 * i + 4)].map(JSONFormat.number).joined(separator: ", ")
                line += ", \"bbox\": [\(b)]"
            }
            out.append(contentsOf: Array(line.utf8))
            switch maskKind[i] {
            case .none: break
            case .polygons:
                let p = polygons[maskRef[i]].map { "[" + $0.map(JSONFormat.number).joined(separator: ", ") + "]" }
                out.append(contentsOf: Array(", \"segmentation\": [\(p.joined(separator: ", "))]".utf8))
            case .compressed, .rle:
                let (h, w) = (Int(maskHeight[i]), Int(maskWidth[i]))
                out.append(contentsOf: Array(", \"segmentation\": {\"size\": [\(h), \(w)], \"counts\": \"".utf8))
                let counts: [UInt8]
                if maskKind[i] == .rle {
                    counts = RLECodec.encode(rles[maskRef[i]].counts)
                } else {
                    counts = Array(maskBytes[maskRef[i]..<(maskRef[i] + Int(maskLength[i]))])
                }
                JSONFormat.appendEscaped(counts, to: &out)
                out.append(contentsOf: Array("\"}".utf8))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: Array("]\n".utf8))
        return out
    }
}
