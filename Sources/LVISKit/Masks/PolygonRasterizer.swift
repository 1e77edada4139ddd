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

    /// The steps of an edge walk that can give a column start, so that a vertex far outside the image (1e8,
    /// or a NaN, which C turns into INT_MIN) costs nothing instead of billions of steps, with the same result.
    ///
    /// A step gives a start only when min(u, previous u) = n with (n + 0.5) / 5 - 0.5 in 0...w-1, i.e. n in
    /// 2...5w-3; u moves by at most 1 per step, so a step whose u is outside 1...5w-1 neither gives a start nor
    /// lets the next step give one. u is monotone along an edge (a line, then C truncation), so the steps
    /// inside form one interval, found by bisection.
    static func stepsNearTheImage(steps: Int, u: (Int) -> Int, width w: Int) -> ClosedRange<Int> {
        let low = 1, high = 5 * w - 1
        let all = 0...steps
        let start = u(0) <= u(steps) ? firstStep(in: all) { u($0) >= low } : firstStep(in: all) { u($0) <= high }
        let end = (u(0) <= u(steps) ? firstStep(in: all) { u($0) > high } : firstStep(in: all) { u($0) < low }) - 1
        // An empty interval still visits one step, which gives nothing: the ranges below stay well formed.
        return start <= end ? start...end : min(start, steps)...min(start, steps)
    }

    /// The first step of `range` at which `reached` holds (one past the range if none), for a predicate that
    /// is false and then true along it.
    static func firstStep(in range: ClosedRange<Int>, where reached: (Int) -> Bool) -> Int {
        var a = range.lowerBound, b = range.upperBound + 1
        while a < b {
            let m = a + (b - a) / 2
            if reached(m) { b = m } else { a = m + 1 }
        }
        return a
    }

    static func counts(_ xy: [Double], height h: Int, width w: Int) -> [UInt32] {
        let k = xy.count / 2
        // An image without pixels has only the empty mask (pycocotools' walk gives counts that do not even sum
        // to h*w there, and without a width the walk below could not skip anything).
        guard k > 0, h > 0, w > 0 else { return [UInt32(truncatingIfNeeded: h * w)] }
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
        let widthLimit = Double(w - 1)
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
            let steps = max(dx, dy)
            let u: (Int) -> Int, v: (Int) -> Int
            if dx >= dy {
                let s = Double(ye - ys) / Double(dx)
                u = { d in (flip ? dx - d : d) + xs }
                v = { d in cInt(Double(ys) + s * Double(flip ? dx - d : d) + 0.5) }
            } else {
                let s = Double(xe - xs) / Double(dy)
                u = { d in cInt(Double(xs) + s * Double(flip ? dy - d : d) + 0.5) }
                v = { d in (flip ? dy - d : d) + ys }
            }
            let walked = stepsNearTheImage(steps: steps, u: u, width: w)
            // A skipped step leaves no usable previous point: the step after it gives no column start.
            if walked.lowerBound > 0 { havePrevious = false }
            if dx >= dy {
                for d in walked { visit(u(d), v(d)) }
            } else {
                // Along y the column u changes at most dx times (a NaN or huge y makes the walk billions of steps
                // long). A step that keeps u gives no start and only its v is remembered, so the walk visits, for
                // each change, the step before it and the step of it.
                var d = walked.lowerBound
                visit(u(d), v(d))
                while d < walked.upperBound {
                    let column = u(d)
                    let change = firstStep(in: (d + 1)...walked.upperBound) { u($0) != column }
                    let last = min(change, walked.upperBound + 1) - 1
                    if last > d { visit(u(last), v(last)) }
                    guard change <= walked.upperBound else { break }
                    visit(u(change), v(change))
                    d = change
                }
            }
            if walked.upperBound < steps { havePrevious = false }
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
