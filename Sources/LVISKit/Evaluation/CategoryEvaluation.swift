/// Matching and accumulation of one category: the work of lvis-api's `evaluate_img` over the category's
/// images and of `accumulate` for its column of the precision array. Independent of other categories, so
/// categories run in parallel.
struct CategoryEvaluation {
    let plan: EvaluationPlan
    let k: Int

    init(plan: EvaluationPlan, category: Int) {
        self.plan = plan
        self.k = category
    }

    private static let matchedBit: UInt8 = 1
    private static let ignoredBit: UInt8 = 2

    func run(precision: UnsafeMutablePointer<Double>, recall: UnsafeMutablePointer<Double>, maxDets: [Int]) throws {
        let lvis = plan.lvis
        let e = plan.e
        let results = e.results
        let thresholds = LVISEvaluator.iouThresholds
        let areas = LVISEvaluator.areaRanges
        let T = thresholds.count, A = areas.count, K = plan.categoryIds.count

        // Detections of the category by (image, score descending, file order): the order in which the
        // reference concatenates its per-image lists.
        var dts = Array(plan.dtIndex[plan.dtStart[k]..<plan.dtStart[k + 1]])
        let scores = results.scores
        let dtImage = plan.dtImage
        dts.sort { a, b in
            let ia = dtImage[Int(a)], ib = dtImage[Int(b)]
            if ia != ib { return ia < ib }
            return ScoreOrder.precedes(Int(a), scores[Int(a)], Int(b), scores[Int(b)])
        }
        // COCO keeps the top 100 per image and category; `rank` is the position within the image.
        var rank = [Int32](repeating: 0, count: dts.count)
        if !lvis {
            let cap = LVISEvaluator.cocoMaxDets.last!
            var kept: [Int32] = []
            kept.reserveCapacity(dts.count)
            var n = 0
            for (j, r) in dts.enumerated() {
                n = (j > 0 && dtImage[Int(dts[j - 1])] == dtImage[Int(r)]) ? n + 1 : 0
                if n < cap {
                    rank[kept.count] = Int32(n)
                    kept.append(r)
                }
            }
            dts = kept
        }
        let nd = dts.count
        var flags = [UInt8](repeating: 0, count: A * T * nd)
        var numGt = [Int](repeating: 0, count: A)

        let gtLo = plan.gtStart[k], gtHi = plan.gtStart[k + 1]
        var g0 = gtLo, d0 = 0
        var ious: [Double] = []
        var order: [Int] = []
        var gtIgnored: [Bool] = []
        var gtTaken: [Bool] = []
        while g0 < gtHi || d0 < nd {
            let gi = g0 < gtHi ? Int(plan.gtImage[g0]) : Int.max
            let di = d0 < nd ? Int(dtImage[Int(dts[d0])]) : Int.max
            let image = min(gi, di)
            var g1 = g0
            while g1 < gtHi && Int(plan.gtImage[g1]) == image { g1 += 1 }
            var d1 = d0
            while d1 < nd && Int(dtImage[Int(dts[d1])]) == image { d1 += 1 }
            let G = g1 - g0, D = d1 - d0
            try computeIoU(image: image, gts: g0..<g1, dts: dts[d0..<d1], into: &ious)
            let notExhaustive = lvis && plan.notExhaustive.contains(image * K + k)

            for a in 0..<A {
                let (lo, hi) = areas[a]
                // Ground truth with non-ignored first (stable).
                order.removeAll(keepingCapacity: true)
                gtIgnored.removeAll(keepingCapacity: true)
                for pass in 0..<2 {
                    for g in 0..<G {
                        let area = plan.gtArea[g0 + g]
                        let ignored = plan.gtIgnore[g0 + g] || area < lo || area > hi
                        if ignored == (pass == 1) {
                            order.append(g)
                            gtIgnored.append(ignored)
                        }
                    }
                }
                numGt[a] += gtIgnored.lazy.filter { !$0 }.count
                for t in 0..<T {
                    gtTaken.removeAll(keepingCapacity: true)
                    gtTaken.append(contentsOf: repeatElement(false, count: G))
                    let base = (a * T + t) * nd
                    for d in 0..<D {
                        let r = Int(dts[d0 + d])
                        var best = min(thresholds[t], 1 - 1e-10)
                        var m = -1
                        if G > 0 {
                            for s in 0..<G {
                                if gtTaken[s] && !plan.gtCrowd[g0 + order[s]] { continue }
                                if m > -1 && !gtIgnored[m] && gtIgnored[s] { break }
                                let v = ious[d * G + order[s]]
                                if v < best { continue }
                                best = v
                                m = s
                            }
                        }
                        var f: UInt8 = 0
                        var inherited = false
                        if m > -1 {
                            inherited = gtIgnored[m]
                            gtTaken[m] = true
                            if plan.gtIdNonZero[g0 + order[m]] { f |= Self.matchedBit }
                        }
                        let area = plan.dtArea[r]
                        let mask = area < lo || area > hi || notExhaustive
                        if inherited || (f & Self.matchedBit == 0 && mask) { f |= Self.ignoredBit }
                        flags[base + d0 + d] = f
                    }
                }
            }
            g0 = g1
            d0 = d1
        }

        // Accumulate: all detections of the category by score, ties in concatenation order.
        var sorted = Array(0..<nd)
        sorted.sort { a, b in
            ScoreOrder.precedes(a, scores[Int(dts[a])], b, scores[Int(dts[b])])
        }
        let R = LVISEvaluator.recallThresholds.count
        let recallThresholds = LVISEvaluator.recallThresholds
        let M = maxDets.count
        var rc = [Double](repeating: 0, count: nd)
        var pr = [Double](repeating: 0, count: nd)
        for (mi, maxDet) in maxDets.enumerated() {
            let sequence = maxDet == Int.max ? sorted : sorted.filter { Int(rank[$0]) < maxDet }
            let n = sequence.count
            for a in 0..<A where numGt[a] > 0 {
                let numGtA = Double(numGt[a])
                for t in 0..<T {
                    let base = (a * T + t) * nd
                    var tp = 0.0, fp = 0.0
                    for (i, p) in sequence.enumerated() {
                        let f = flags[base + p]
                        if f & Self.ignoredBit == 0 {
                            if f & Self.matchedBit != 0 { tp += 1 } else { fp += 1 }
                        }
                        rc[i] = tp / numGtA
                        pr[i] = tp / (fp + tp + Double.ulpOfOne)
                    }
                    recall[((t * K + k) * A + a) * M + mi] = n > 0 ? rc[n - 1] : 0
                    if n > 1 {
                        for i in stride(from: n - 1, to: 0, by: -1) where pr[i] > pr[i - 1] { pr[i - 1] = pr[i] }
                    }
                    var i = 0
                    for ri in 0..<R {
                        while i < n && rc[i] < recallThresholds[ri] { i += 1 }
                        precision[(((t * R + ri) * K + k) * A + a) * M + mi] = i < n ? pr[i] : 0
                    }
                }
            }
        }
    }

    /// IoU of the image's detections (rows, score order) with its ground truth (columns, file order).
    private func computeIoU(image: Int, gts: Range<Int>, dts: ArraySlice<Int32>, into ious: inout [Double]) throws {
        let G = gts.count, D = dts.count
        ious.removeAll(keepingCapacity: true)
        guard G > 0 && D > 0 else { return }
        ious.reserveCapacity(G * D)
        let results = plan.e.results
        switch plan.e.iouType {
        case .bbox:
            let box = plan.dtBox, gb = plan.gtBox, crowd = plan.gtCrowd
            for r in dts {
                let o = 4 * Int(r)
                for g in gts {
                    let q = 4 * g
                    ious.append(
                        IoU.box(box[o], box[o + 1], box[o + 2], box[o + 3], gb[q], gb[q + 1], gb[q + 2], gb[q + 3],
                                crowd: crowd[g]))
                }
            }
        case .segm:
            let h = plan.imageHeight[image], w = plan.imageWidth[image]
            var gtMasks: [RLE] = []
            for g in gts {
                let ann = plan.e.groundTruth.annotations[Int(plan.gtAnn[g])]
                guard let s = ann.segmentation else {
                    throw LVISKitError.invalidInput("annotation \(ann.id) has no segmentation (needed for segm evaluation)")
                }
                gtMasks.append(try s.rle(height: h, width: w))
            }
            let gtBoxes = gtMasks.map(\.bbox)
            for r in dts {
                let rle: RLE
                if let m = try results.mask(at: Int(r), imageHeight: h, imageWidth: w) {
                    rle = m
                } else {
                    let o = 4 * Int(r)
                    rle = RLE(box: Array(plan.dtBox[o..<(o + 4)]), height: h, width: w)
                }
                let dtBox = rle.bbox
                for (j, g) in gts.enumerated() {
                    ious.append(IoU.mask(rle, dtBox: dtBox, gtMasks[j], gtBox: gtBoxes[j], crowd: plan.gtCrowd[g]))
                }
            }
        }
    }
}
