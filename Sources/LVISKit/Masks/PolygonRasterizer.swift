import Foundation

/// pycocotools' `rleFrPoly`, ported line by line: the polygon is upsampled 5x, its boundary walked one point
/// per step along each edge's major axis, the points where x changes are mapped back to pixel columns, and
/// the resulting column starts become the RLE. C conversions are reproduced exactly (truncation toward
/// zero; x86's INT_MIN for NaN or out-of-range), so every valid polygon gives pycocotools' counts.
enum PolygonRasterizer {
    private static let scale = 5.0

    /// `(int)v` as compiled C on x86-64 (`cvttsd2si`).
    @inline(__always) static func cInt(_ v: Double) -> Int {
        guard v > -2147483649.0 && v < 2147483648.0 else { return Int(Int32.min) }
        return Int(v.rounded(.towardZero))
    }

    static func counts(_ xy: [Double], height h: Int, width w: Int) -> [UInt32] {
        let k = xy.count / 2
        guard k > 0 else { return [UInt32(truncatingIfNeeded: h * w)] }
        var x = [Int](repeating: 0, count: k + 1)
        var y = [Int](repeating: 0, count: k + 1)
        for j in 0..<k {
            x[j] = cInt(scale * xy[2 * j] + 0.5)
            y[j] = cInt(scale * xy[2 * j + 1] + 0.5)
        }
        x[k] = x[0]
        y[k] = y[0]
        // The boundary points are walked edge by edge and consumed as they come: a point where x changes
        // from the previous one gives a column start (the original stores all points first).
        let widthLimit = w > 0 ? Double(w - 1) : Double(UInt64.max)
        let height = Double(h)
        var starts: [UInt32] = []
        var havePrevious = false
        var pu = 0, pv = 0
        @inline(__always) func visit(_ u: Int, _ v: Int) {
            if havePrevious && u != pu {
                let n = u < pu ? u : u - 1
                // (n + 0.5) / 5 - 0.5 is integral exactly when n = 2 (mod 5) (for |n| < 2^40, where every
                // step is exact or cannot reach an integer): skip the 4 points in 5 that fail the test.
                if abs(n) < 1 << 40 && (n - 2) % 5 != 0 {
                    havePrevious = true
                    pu = u
                    pv = v
                    return
                }
                var xd = Double(n)
                xd = (xd + 0.5) / scale - 0.5
                if !(floor(xd) != xd || xd < 0 || xd > widthLimit) {
                    var yd = Double(v < pv ? v : pv)
                    yd = (yd + 0.5) / scale - 0.5
                    if yd < 0 { yd = 0 } else if yd > height { yd = height }
                    yd = ceil(yd)
                    let index = Int32(truncatingIfNeeded: cInt(xd) &* h &+ cInt(yd))
                    starts.append(UInt32(bitPattern: index))
                }
            }
            havePrevious = true
            pu = u
            pv = v
        }
        for j in 0..<k {
            var xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1]
            let dx = abs(xe - xs), dy = abs(ys - ye)
            let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
            if flip {
                swap(&xs, &xe)
                swap(&ys, &ye)
            }
            if dx >= dy {
                let s = Double(ye - ys) / Double(dx)
                for d in 0...dx {
                    let t = flip ? dx - d : d
                    visit(t + xs, cInt(Double(ys) + s * Double(t) + 0.5))
                }
            } else {
                let s = Double(xe - xs) / Double(dy)
                for d in 0...dy {
                    let t = flip ? dy - d : d
                    visit(cInt(Double(xs) + s * Double(t) + 0.5), t + ys)
                }
            }
        }
        starts.append(UInt32(truncatingIfNeeded: h * w))
        starts.sort()
        var previous: UInt32 = 0
        for j in 0..<starts.count {
            let t = starts[j]
            starts[j] = t &- previous
            previous = t
        }
        var counts: [UInt32] = [starts[0]]
        counts.reserveCapacity(starts.count)
        var j = 1
        while j < starts.count {
            if starts[j] > 0 {
                counts.append(starts[j])
                j += 1
            } else {
                j += 1
                if j < starts.count {
                    counts[counts.count - 1] &+= starts[j]
                    j += 1
                }
            }
        }
        return counts
    }
}
