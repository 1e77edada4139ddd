import Foundation

/// A binary mask in COCO run-length encoding, bit-equal to pycocotools 2.0.11 (`maskApi.c`).
///
/// The mask is scanned column-major (index = x * height + y); `counts` alternate runs of 0 and 1 and start
/// with a (possibly empty) run of 0. Every `RLE` is valid: its counts sum to `height * width`.
public struct RLE: Hashable, Sendable {
    public let height: Int
    public let width: Int
    public let counts: [UInt32]

    /// An RLE from explicit counts (the "uncompressed RLE" of COCO JSON); throws unless they sum to h*w.
    public init(height: Int, width: Int, counts: [UInt32]) throws {
        try RLE.checkSize(height: height, width: width)
        var sum = 0
        for c in counts { sum += Int(c) }
        guard sum == height * width else {
            throw LVISKitError.invalidMask("counts sum to \(sum), expected h*w = \(height)*\(width) = \(height * width)")
        }
        self.height = height
        self.width = width
        self.counts = counts
    }

    init(unchecked height: Int, _ width: Int, _ counts: [UInt32]) {
        self.height = height
        self.width = width
        self.counts = counts
    }

    /// An RLE from the compressed string form of COCO JSON (`{"size": [h, w], "counts": "..."}`).
    public init(compressedCounts: String, height: Int, width: Int) throws {
        var utf8 = Array(compressedCounts.utf8)
        let counts = try utf8.withUnsafeMutableBufferPointer { try RLECodec.decode(UnsafeBufferPointer($0)) }
        try self.init(height: height, width: width, counts: counts)
    }

    /// Encodes a column-major mask (index x * height + y); any non-zero byte is foreground.
    public init(mask: [UInt8], height: Int, width: Int) throws {
        try RLE.checkSize(height: height, width: width)
        guard mask.count == height * width else {
            throw LVISKitError.invalidMask("mask has \(mask.count) bytes, expected h*w = \(height * width)")
        }
        var counts: [UInt32] = []
        var previous = false
        var run: UInt32 = 0
        for byte in mask {
            let v = byte != 0
            if v != previous {
                counts.append(run)
                run = 0
                previous = v
            }
            run += 1
        }
        counts.append(run)
        self.init(unchecked: height, width, counts)
    }

    /// The sizes a mask can have: counts are 32-bit, as in pycocotools, so h*w must fit them (and a larger
    /// product would overflow before any count is read).
    public static func checkSize(height: Int, width: Int) throws {
        let (area, overflow) = height.multipliedReportingOverflow(by: width)
        guard height >= 0, width >= 0, !overflow, area <= Int(UInt32.max) else {
            throw LVISKitError.invalidMask(
                "size [\(height), \(width)] out of range (h and w at least 0, h*w at most \(UInt32.max))")
        }
    }

    /// pycocotools' `rleFrPoly`: one polygon `[x0, y0, x1, y1, ...]` rasterised at 5x and downsampled.
    public init(polygon: [Double], height: Int, width: Int) {
        self.init(unchecked: height, width, PolygonRasterizer.counts(polygon, height: height, width: width))
    }

    /// The union of several polygons (an object in several parts), as lvis-api's `ann_to_rle`.
    public init(polygons: [[Double]], height: Int, width: Int) throws {
        try RLE.checkSize(height: height, width: width)
        let parts = polygons.map { RLE(polygon: $0, height: height, width: width) }
        if parts.isEmpty {
            self.init(unchecked: 0, 0, [])
        } else {
            self = try RLE.merge(parts, intersect: false)
        }
    }

    /// pycocotools' `rleFrBbox`: the polygon of the corners of box `[x, y, w, h]`.
    public init(box: [Double], height: Int, width: Int) {
        let xs = box[0], xe = box[0] + box[2], ys = box[1], ye = box[1] + box[3]
        self.init(polygon: [xs, ys, xs, ye, xe, ye, xe, ys], height: height, width: width)
    }

    /// Foreground pixel count.
    public var area: Int {
        var a = 0
        var j = 1
        while j < counts.count {
            a += Int(counts[j])
            j += 2
        }
        return a
    }

    /// `[x, y, w, h]` of the foreground (pycocotools 2.0.11 `rleToBbox`); `[0, 0, 0, 0]` when empty.
    public var bbox: [Double] { RLE.boundingBox(height: height, width: width, counts: counts) }

    /// The compressed string form of `counts`.
    public var compressedCounts: String { String(decoding: RLECodec.encode(counts), as: UTF8.self) }

    /// The mask, column-major, one byte (0 or 1) per pixel.
    public func decode() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: height * width)
        var p = 0
        var v: UInt8 = 0
        for c in counts {
            if v == 1 { for i in p..<(p + Int(c)) { out[i] = 1 } }
            p += Int(c)
            v ^= 1
        }
        return out
    }

    static func boundingBox(height: Int, width: Int, counts: [UInt32]) -> [Double] {
        counts.withUnsafeBufferPointer { boundingBox(height: height, width: width, counts: $0) }
    }

    /// A literal port of `rleToBbox`, unsigned 32-bit arithmetic included.
    static func boundingBox(height: Int, width: Int, counts: UnsafeBufferPointer<UInt32>) -> [Double] {
        let m = (counts.count / 2) * 2
        guard m > 0 else { return [0, 0, 0, 0] }
        let h = UInt32(truncatingIfNeeded: height), w = UInt32(truncatingIfNeeded: width)
        var xs = w, ys = h, xe: UInt32 = 0, ye: UInt32 = 0
        var cc: UInt32 = 0
        for j in 0..<m {
            let start = cc
            cc &+= counts[j]
            if j % 2 == 0 || counts[j] == 0 || h == 0 { continue }
            let yStart = start % h, xStart = (start &- yStart) / h
            let yEnd = (cc &- 1) % h, xEnd = (cc &- 1 &- yEnd) / h
            xs = min(xs, xStart)
            xe = max(xe, xEnd)
            if xStart < xEnd {
                ys = 0
                ye = h &- 1
            } else {
                ys = min(ys, yStart)
                ye = max(ye, yEnd)
            }
        }
        return [Double(xs), Double(ys), Double(xe &- xs &+ 1), Double(ye &- ys &+ 1)]
    }

    /// Union (or intersection) of RLEs of one size, by the run merge of `rleMerge`.
    public static func merge(_ rles: [RLE], intersect: Bool = false) throws -> RLE {
        guard let first = rles.first else { return RLE(unchecked: 0, 0, []) }
        if rles.count == 1 { return first }
        let h = first.height, w = first.width
        var cnts = first.counts
        for b in rles.dropFirst() {
            guard b.height == h, b.width == w else {
                throw LVISKitError.invalidMask("merge of masks of different sizes [\(h), \(w)] and [\(b.height), \(b.width)]")
            }
            cnts = mergeTwo(cnts, b.counts, intersect: intersect)
        }
        return RLE(unchecked: h, w, cnts)
    }

    static func mergeTwo(_ a: [UInt32], _ b: [UInt32], intersect: Bool) -> [UInt32] {
        guard !a.isEmpty, !b.isEmpty else { return [] }
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var ca = a[0], cb = b[0]
        var v = false, va = false, vb = false
        var ia = 1, ib = 1
        var cc: UInt32 = 0
        var ct: UInt32 = 1
        while ct > 0 {
            let c = min(ca, cb)
            cc &+= c
            ct = 0
            ca -= c
            if ca == 0 && ia < a.count { ca = a[ia]; ia += 1; va.toggle() }
            ct &+= ca
            cb -= c
            if cb == 0 && ib < b.count { cb = b[ib]; ib += 1; vb.toggle() }
            ct &+= cb
            let vp = v
            v = intersect ? (va && vb) : (va || vb)
            if v != vp || ct == 0 {
                out.append(cc)
                cc = 0
            }
        }
        return out
    }
}
