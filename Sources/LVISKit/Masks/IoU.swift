import Foundation

/// Intersection over union as pycocotools' `iou(dt, gt, iscrowd)`: a matrix `[detection][ground truth]`.
/// For a crowd ground truth the union is the detection's own area.
public enum IoU {
    /// Boxes `[x, y, w, h]` (continuous coordinates, no +1), `bbIou`.
    public static func boxes(_ dt: [[Double]], _ gt: [[Double]], iscrowd: [Bool]) -> [[Double]] {
        dt.map { d in gt.indices.map { g in box(d, gt[g], crowd: iscrowd[g]) } }
    }

    /// Masks: a box IoU of their bounding boxes first (0 stays 0), then the exact run merge (`rleIou`).
    /// A pair of masks of different sizes gives -1, as pycocotools does.
    public static func masks(_ dt: [RLE], _ gt: [RLE], iscrowd: [Bool]) -> [[Double]] {
        let dtBoxes = dt.map { $0.bbox }
        let gtBoxes = gt.map { $0.bbox }
        return dt.indices.map { d in
            gt.indices.map { g in
                mask(dt[d], dtBox: dtBoxes[d], gt[g], gtBox: gtBoxes[g], crowd: iscrowd[g])
            }
        }
    }

    @inline(__always) static func box(_ d: [Double], _ g: [Double], crowd: Bool) -> Double {
        box(d[0], d[1], d[2], d[3], g[0], g[1], g[2], g[3], crowd: crowd)
    }

    @inline(__always) static func box(
        _ dx: Double, _ dy: Double, _ dw: Double, _ dh: Double,
        _ gx: Double, _ gy: Double, _ gw: Double, _ gh: Double, crowd: Bool
    ) -> Double {
        let ga = gw * gh
        let da = dw * dh
        let w = fmin(dw + dx, gw + gx) - fmax(dx, gx)
        if w <= 0 { return 0 }
        let h = fmin(dh + dy, gh + gy) - fmax(dy, gy)
        if h <= 0 { return 0 }
        let i = w * h
        let u = crowd ? da : da + ga - i
        return i / u
    }

    static func mask(_ dt: RLE, dtBox: [Double], _ gt: RLE, gtBox: [Double], crowd: Bool) -> Double {
        let o = box(dtBox, gtBox, crowd: crowd)
        guard o > 0 else { return o }
        if dt.height != gt.height || dt.width != gt.width { return -1 }
        return dt.counts.withUnsafeBufferPointer { a in
            gt.counts.withUnsafeBufferPointer { b in runIoU(a, b, crowd: crowd) }
        }
    }

    /// The exact run merge of `rleIou` for two RLEs of one size whose boxes overlap.
    static func runIoU(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>, crowd: Bool) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var ca = a[0], cb = b[0]
        var va = false, vb = false
        var ia = 1, ib = 1
        var inter = 0, union = 0
        var ct: UInt32 = 1
        while ct > 0 {
            let c = min(ca, cb)
            if va || vb {
                union += Int(c)
                if va && vb { inter += Int(c) }
            }
            ct = 0
            ca -= c
            if ca == 0 && ia < a.count { ca = a[ia]; ia += 1; va.toggle() }
            ct &+= ca
            cb -= c
            if cb == 0 && ib < b.count { cb = b[ib]; ib += 1; vb.toggle() }
            ct &+= cb
        }
        if inter == 0 {
            union = 1
        } else if crowd {
            union = 0
            var j = 1
            while j < a.count { union += Int(a[j]); j += 2 }
        }
        return Double(inter) / Double(union)
    }
}
