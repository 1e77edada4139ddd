import Dispatch
import Foundation

public enum IoUType: String, Sendable, CaseIterable { case bbox, segm }

/// LVIS rules (lvis-api 0.5.3: federated filtering, 300 detections per image) or COCO rules
/// (pycocotools COCOeval: crowd regions, maxDets 1/10/100 per image and category).
public enum EvaluationStyle: String, Sendable, CaseIterable { case lvis, coco }

/// Exact LVIS / COCO evaluation (docs/evaluation.md), equal cell for cell to lvis-api 0.5.3 and pycocotools.
///
/// Only the (image, category) pairs with kept ground truth or kept detections are visited (the references walk
/// the dense grid); each category is matched and accumulated independently, on all cores.
///
///     let gt = try LVISDataset.load(path: "lvis_v1_val.json")
///     let dt = try DetectionResults.load(path: "results.json")
///     let summary = try LVISEvaluator(groundTruth: gt, results: dt, iouType: .segm).evaluate()
///     print(summary.table)
public struct LVISEvaluator: Sendable {
    public let groundTruth: LVISDataset
    public let results: DetectionResults
    public let iouType: IoUType
    public let style: EvaluationStyle
    /// Fixed AP (Dave et al. 2021): no per-image cap, the top 10,000 detections of each category.
    public let fixedAP: Bool
    /// Receives progress lines (phases and category counts).
    public var log: (@Sendable (String) -> Void)?

    public static let iouThresholds = NumpyMath.linspace(0.5, 0.95, 10)
    public static let recallThresholds = NumpyMath.linspace(0.0, 1.0, 101)
    /// all, small, medium, large (inclusive bounds, on the annotation's `area`).
    public static let areaRanges: [(Double, Double)] = [(0, 1e10), (0, 1024), (1024, 9216), (9216, 1e10)]
    public static let lvisMaxDetsPerImage = 300
    public static let fixedAPDetsPerCategory = 10_000
    public static let cocoMaxDets = [1, 10, 100]

    public init(
        groundTruth: LVISDataset, results: DetectionResults, iouType: IoUType,
        style: EvaluationStyle = .lvis, fixedAP: Bool = false
    ) {
        self.groundTruth = groundTruth
        self.results = results
        self.iouType = iouType
        self.style = style
        self.fixedAP = fixedAP
    }

    public init(
        groundTruth: LVISDataset, results: [DetectionResult], iouType: IoUType,
        style: EvaluationStyle = .lvis, fixedAP: Bool = false
    ) {
        self.init(groundTruth: groundTruth, results: DetectionResults(results), iouType: iouType, style: style, fixedAP: fixedAP)
    }

    public func evaluate() throws -> EvaluationSummary {
        let plan = try EvaluationPlan(evaluator: self)
        return try plan.run()
    }
}

/// The prepared inputs of one evaluation: dense indices, kept ground truth and detections grouped by category.
struct EvaluationPlan {
    let e: LVISEvaluator
    let lvis: Bool
    let imageIds: [Int]
    let categoryIds: [Int]
    let imageHeight: [Int]
    let imageWidth: [Int]
    /// Keys image * K + category.
    let notExhaustive: Set<Int>
    // Ground truth kept, grouped by category (CSR), each group sorted by (image, file order).
    let gtStart: [Int]
    let gtAnn: [Int32]
    let gtImage: [Int32]
    /// Per kept ground truth (same positions as `gtAnn`): area, ignore flag (LVIS `ignore`, COCO `iscrowd`),
    /// crowd flag (COCO only), id != 0, and box (NaN when absent).
    let gtArea: [Double]
    let gtIgnore: [Bool]
    let gtCrowd: [Bool]
    let gtIdNonZero: [Bool]
    let gtBox: [Double]
    // Detections kept, grouped by category (CSR), in file order (sorted per category during evaluation).
    let dtStart: [Int]
    let dtIndex: [Int32]
    let dtImage: [Int32]
    /// Per detection (file index): area used for the area ranges, and the box used for bbox IoU.
    let dtArea: [Double]
    let dtBox: [Double]
    /// Whether detections take their area from the box (first result has a box), as the references decide.
    let boxMode: Bool
    /// Inputs the references accept but that are probably mistakes (duplicate annotation ids).
    let warnings: [String]

    init(evaluator e: LVISEvaluator) throws {
        self.e = e
        lvis = e.style == .lvis
        let gt = e.groundTruth
        let dt = e.results
        let log = e.log

        imageIds = Array(Set(gt.images.map(\.id))).sorted()
        categoryIds = Array(Set(gt.categories.map(\.id))).sorted()
        let imageIndex = IdIndex(sortedIds: imageIds)
        let categoryIndex = IdIndex(sortedIds: categoryIds)
        let K = categoryIds.count
        var heights = [Int](repeating: 0, count: imageIds.count)
        var widths = [Int](repeating: 0, count: imageIds.count)
        var negative = Set<Int>()
        var notExhaustive = Set<Int>()
        // A later image entry with the same id replaces an earlier one, as the references' dictionaries do.
        var lastEntry = [Int](repeating: -1, count: imageIds.count)
        for (n, image) in gt.images.enumerated() { lastEntry[imageIndex.index(of: image.id)!] = n }
        for (i, n) in lastEntry.enumerated() {
            let image = gt.images[n]
            heights[i] = image.height
            widths[i] = image.width
            if lvis {
                for c in image.negCategoryIds { if let k = categoryIndex.index(of: c) { negative.insert(i * K + k) } }
                for c in image.notExhaustiveCategoryIds { if let k = categoryIndex.index(of: c) { notExhaustive.insert(i * K + k) } }
            }
        }
        imageHeight = heights
        imageWidth = widths
        self.notExhaustive = notExhaustive

        // Ground truth: LVIS drops area <= 0 (and those annotations do not make their category present).
        // Both references select annotations by image, category and area, then look each selected one up by its
        // id, so with a duplicated id every selected copy becomes the last annotation of that id, placed where
        // the selected one came in their walk (sorted images, file order within an image).
        let duplicates = DuplicateAnnotationIds(gt.annotations)
        // Image ids listed more than once: evaluated as the references do (the last entry), and said, because a
        // copied entry that kept another image's id leaves that image's results pointing at no image.
        var seenImageIds = Set<Int>()
        let repeatedImageIds = Array(Set(gt.images.map(\.id).filter { !seenImageIds.insert($0).inserted })).sorted()
        let repeatedImages = repeatedImageIds.isEmpty ? nil
            : "the ground truth lists \(gt.images.count - imageIds.count) image entries whose id occurs earlier (ids "
                + repeatedImageIds.prefix(5).map(String.init).joined(separator: ", ") + (repeatedImageIds.count > 5 ? ", ..." : "")
                + "): as lvis-api and pycocotools do, the last entry of each id is used"
        warnings = [repeatedImages, duplicates.warning].compactMap { $0 }
        var gtKeys: [(cat: Int32, image: Int32, walkImage: Int32, walkPosition: Int32, ann: Int32)] = []
        gtKeys.reserveCapacity(gt.annotations.count)
        var present = Set<Int>()
        for (n, selected) in gt.annotations.enumerated() {
            guard let walkImage = imageIndex.index(of: selected.imageId), categoryIndex.index(of: selected.categoryId) != nil
            else { continue }
            if lvis && !(selected.area > 0 && selected.area < .infinity) { continue }
            let m = duplicates.lookUp(n)
            let a = gt.annotations[m]
            guard let i = imageIndex.index(of: a.imageId), let k = categoryIndex.index(of: a.categoryId) else { continue }
            gtKeys.append((Int32(k), Int32(i), Int32(walkImage), Int32(n), Int32(m)))
            if lvis { present.insert(i * K + k) }
        }
        gtKeys.sort {
            ($0.cat, $0.image, $0.walkImage, $0.walkPosition) < ($1.cat, $1.image, $1.walkImage, $1.walkPosition)
        }
        var gtStart = [Int](repeating: 0, count: K + 1)
        for key in gtKeys { gtStart[Int(key.cat) + 1] += 1 }
        for k in 0..<K { gtStart[k + 1] += gtStart[k] }
        self.gtStart = gtStart
        gtAnn = gtKeys.map(\.ann)
        gtImage = gtKeys.map(\.image)
        let kept = gtKeys.map { gt.annotations[Int($0.ann)] }
        gtArea = kept.map(\.area)
        let lvisStyle = lvis
        gtIgnore = kept.map { lvisStyle ? $0.ignore : $0.iscrowd }
        gtCrowd = kept.map { !lvisStyle && $0.iscrowd }
        gtIdNonZero = kept.map { $0.id != 0 }
        gtBox = kept.flatMap { $0.bbox ?? [.nan, .nan, .nan, .nan] }
        if e.iouType == .bbox, let missing = kept.first(where: { $0.bbox == nil }) {
            throw LVISKitError.invalidInput("annotation \(missing.id) has no bbox (needed for bbox evaluation)")
        }

        // Detections: every image id must be a ground-truth image.
        let n = dt.count
        var dtImageOf = [Int32](repeating: -1, count: n)
        for r in 0..<n {
            guard let i = imageIndex.index(of: dt.imageIds[r]) else {
                throw LVISKitError.invalidInput(
                    "result [\(r)] has image_id \(dt.imageIds[r]), which is not an image of the ground truth"
                        + (repeatedImages.map { " (\($0); was an image given another's id?)" } ?? ""))
            }
            dtImageOf[r] = Int32(i)
        }
        let (keep, first) = try Self.cap(e: e, results: dt, imageOf: dtImageOf, imageCount: imageIds.count)
        boxMode = n > 0 && dt.hasBox[first]
        log?("results: \(n) detections, \(keep.lazy.filter { $0 }.count) after the \(e.fixedAP ? "per-category" : lvis ? "per-image" : "no") cap; areas from \(boxMode ? "boxes" : "masks")")

        var area = [Double](repeating: 0, count: n)
        var box = dt.boxes
        if boxMode {
            for r in 0..<n where keep[r] {
                guard dt.hasBox[r] else {
                    throw LVISKitError.invalidInput("result [\(r)] has no bbox, but the first result has one")
                }
                area[r] = box[4 * r + 2] * box[4 * r + 3]
            }
        } else {
            // Areas (and missing boxes) from the masks, decoded in parallel.
            let failure = FirstError()
            area.withUnsafeMutableBufferPointer { areaOut in
                box.withUnsafeMutableBufferPointer { boxOut in
                    let areaPtr = SendablePointer(areaOut.baseAddress!)
                    let boxPtr = SendablePointer(boxOut.baseAddress!)
                    let chunks = max(1, min(64, n / 2048))
                    DispatchQueue.concurrentPerform(iterations: chunks) { c in
                        for r in stride(from: c, to: n, by: chunks) where keep[r] {
                            do {
                                guard dt.maskKind[r] == .compressed || dt.maskKind[r] == .rle,
                                    let rle = try dt.mask(at: r, imageHeight: 0, imageWidth: 0)
                                else {
                                    throw LVISKitError.invalidInput(
                                        "result [\(r)] has no RLE segmentation, but the first result has no bbox")
                                }
                                areaPtr.p[r] = Double(rle.area)
                                if !dt.hasBox[r] {
                                    let b = rle.bbox
                                    for j in 0..<4 { boxPtr.p[4 * r + j] = b[j] }
                                }
                            } catch {
                                failure.record(error, at: r)
                            }
                        }
                    }
                }
            }
            if let error = failure.error { throw error }
        }
        dtArea = area
        dtBox = box

        // Kept detections: known category, LVIS area > 0 and the federated rule.
        var dtKeys: [(cat: Int32, r: Int32)] = []
        dtKeys.reserveCapacity(n)
        for r in 0..<n where keep[r] {
            guard let k = categoryIndex.index(of: dt.categoryIds[r]) else { continue }
            if lvis {
                if !(area[r] > 0 && area[r] < .infinity) { continue }
                let key = Int(dtImageOf[r]) * K + k
                if !present.contains(key) && !negative.contains(key) { continue }
            }
            dtKeys.append((Int32(k), Int32(r)))
        }
        var dtStart = [Int](repeating: 0, count: K + 1)
        for key in dtKeys { dtStart[Int(key.cat) + 1] += 1 }
        for k in 0..<K { dtStart[k + 1] += dtStart[k] }
        var fill = dtStart
        var dtIndex = [Int32](repeating: 0, count: dtKeys.count)
        for key in dtKeys {
            dtIndex[fill[Int(key.cat)]] = key.r
            fill[Int(key.cat)] += 1
        }
        self.dtStart = dtStart
        self.dtIndex = dtIndex
        dtImage = dtImageOf
        log?("kept: \(gtAnn.count) ground-truth annotations, \(dtIndex.count) detections over \(K) categories and \(imageIds.count) images")
    }

    /// Which detections survive the cap (LVIS: the top 300 of each image; Fixed AP: the top 10,000 of each
    /// category; COCO: all), ties in file order; and the index of the result that comes first afterwards
    /// (whose `bbox` decides where areas come from).
    static func cap(e: LVISEvaluator, results dt: DetectionResults, imageOf: [Int32], imageCount: Int) throws
        -> (keep: [Bool], first: Int)
    {
        let n = dt.count
        if e.style == .coco && !e.fixedAP { return ([Bool](repeating: true, count: n), 0) }
        var keep = [Bool](repeating: true, count: n)
        var groups: [Int: [Int32]] = [:]
        let limit = e.fixedAP ? LVISEvaluator.fixedAPDetsPerCategory : LVISEvaluator.lvisMaxDetsPerImage
        if e.fixedAP {
            for r in 0..<n { groups[dt.categoryIds[r], default: []].append(Int32(r)) }
        } else {
            var counts = [Int](repeating: 0, count: imageCount)
            for r in 0..<n { counts[Int(imageOf[r])] += 1 }
            for r in 0..<n where counts[Int(imageOf[r])] > limit { groups[Int(imageOf[r]), default: []].append(Int32(r)) }
        }
        var first = 0
        for (key, members) in groups where members.count > limit {
            // lvis-api cuts with Python's sorted(), which has no defined result once a key is NaN.
            if !e.fixedAP, let nan = members.first(where: { dt.scores[Int($0)].isNaN }) {
                throw LVISKitError.invalidInput(
                    "result [\(nan)] has score NaN on image \(dt.imageIds[Int(nan)]), which has \(members.count) results: "
                        + "which \(limit) of them LVIS keeps is then undefined (lvis-api's sort has no order with NaN)")
            }
            let sorted = members.sorted { a, b in ScoreOrder.precedes(Int(a), dt.scores[Int(a)], Int(b), dt.scores[Int(b)]) }
            for r in sorted[limit...] { keep[Int(r)] = false }
            if !e.fixedAP, n > 0, key == Int(imageOf[0]) { first = Int(sorted[0]) }
        }
        return (keep, first)
    }

    func run() throws -> EvaluationSummary {
        let T = LVISEvaluator.iouThresholds.count
        let R = LVISEvaluator.recallThresholds.count
        let K = categoryIds.count
        let A = LVISEvaluator.areaRanges.count
        let maxDets = lvis ? [Int.max] : LVISEvaluator.cocoMaxDets
        let M = maxDets.count
        var precision = [Double](repeating: -1, count: T * R * K * A * M)
        var recall = [Double](repeating: -1, count: T * K * A * M)
        let failure = FirstError()
        let progress = Progress(total: K, log: e.log, what: "categories")
        precision.withUnsafeMutableBufferPointer { pBuf in
            recall.withUnsafeMutableBufferPointer { rBuf in
                let p = SendablePointer(pBuf.baseAddress!)
                let rc = SendablePointer(rBuf.baseAddress!)
                // Largest categories first, so that no core is left with a big one at the end.
                let size: [Int] = (0..<K).map { dtStart[$0 + 1] - dtStart[$0] + gtStart[$0 + 1] - gtStart[$0] }
                let order: [Int] = (0..<K).sorted { (a: Int, b: Int) -> Bool in
                    size[a] > size[b] || (size[a] == size[b] && a < b)
                }
                DispatchQueue.concurrentPerform(iterations: K) { j in
                    let k = order[j]
                    do {
                        try CategoryEvaluation(plan: self, category: k).run(precision: p.p, recall: rc.p, maxDets: maxDets)
                    } catch {
                        failure.record(error, at: k)
                    }
                    progress.step()
                }
            }
        }
        if let error = failure.error { throw error }
        return summarize(precision: precision, recall: recall, T: T, R: R, K: K, A: A, M: M)
    }

    func summarize(precision: [Double], recall: [Double], T: Int, R: Int, K: Int, A: Int, M: Int) -> EvaluationSummary {
        let thresholds = LVISEvaluator.iouThresholds
        func p(_ t: Int, _ r: Int, _ k: Int, _ a: Int, _ m: Int) -> Double { precision[(((t * R + r) * K + k) * A + a) * M + m] }
        func rc(_ t: Int, _ k: Int, _ a: Int, _ m: Int) -> Double { recall[((t * K + k) * A + a) * M + m] }
        func tIndices(_ iou: Double?) -> [Int] {
            guard let iou else { return Array(0..<T) }
            return (0..<T).filter { thresholds[$0] == iou }
        }
        func ap(iou: Double? = nil, area: Int = 0, categories: [Int]? = nil, m: Int) -> Double {
            let cats = categories ?? Array(0..<K)
            var cells: [Double] = []
            for t in tIndices(iou) { for r in 0..<R { for k in cats { cells.append(p(t, r, k, area, m)) } } }
            return NumpyMath.meanOfValid(cells)
        }
        func ar(iou: Double? = nil, area: Int = 0, m: Int) -> Double {
            var cells: [Double] = []
            for t in tIndices(iou) { for k in 0..<K { cells.append(rc(t, k, area, m)) } }
            return NumpyMath.meanOfValid(cells)
        }
        var metrics: [(String, Double)] = []
        if lvis {
            var groups: [LVISDataset.Frequency: [Int]] = [:]
            var frequencyOf: [Int: LVISDataset.Frequency] = [:]
            for c in e.groundTruth.categories { if let f = c.frequency { frequencyOf[c.id] = f } }
            for (k, id) in categoryIds.enumerated() { if let f = frequencyOf[id] { groups[f, default: []].append(k) } }
            let suffix = e.fixedAP ? "@\(LVISEvaluator.fixedAPDetsPerCategory)/cat" : "@\(LVISEvaluator.lvisMaxDetsPerImage)"
            metrics = [
                ("AP", ap(m: 0)), ("AP50", ap(iou: 0.5, m: 0)), ("AP75", ap(iou: 0.75, m: 0)),
                ("APs", ap(area: 1, m: 0)), ("APm", ap(area: 2, m: 0)), ("APl", ap(area: 3, m: 0)),
                ("APr", ap(categories: groups[.rare] ?? [], m: 0)),
                ("APc", ap(categories: groups[.common] ?? [], m: 0)),
                ("APf", ap(categories: groups[.frequent] ?? [], m: 0)),
                ("AR" + suffix, ar(m: 0)), ("ARs" + suffix, ar(area: 1, m: 0)),
                ("ARm" + suffix, ar(area: 2, m: 0)), ("ARl" + suffix, ar(area: 3, m: 0)),
            ]
        } else {
            metrics = [
                ("AP", ap(m: 2)), ("AP50", ap(iou: 0.5, m: 2)), ("AP75", ap(iou: 0.75, m: 2)),
                ("APs", ap(area: 1, m: 2)), ("APm", ap(area: 2, m: 2)), ("APl", ap(area: 3, m: 2)),
                ("AR@1", ar(m: 0)), ("AR@10", ar(m: 1)), ("AR@100", ar(m: 2)),
                ("ARs@100", ar(area: 1, m: 2)), ("ARm@100", ar(area: 2, m: 2)), ("ARl@100", ar(area: 3, m: 2)),
            ]
        }
        var perCategory: [Int: Double] = [:]
        for (k, id) in categoryIds.enumerated() {
            var cells: [Double] = []
            cells.reserveCapacity(T * R)
            for t in 0..<T { for r in 0..<R { cells.append(p(t, r, k, 0, M - 1)) } }
            perCategory[id] = NumpyMath.meanOfValid(cells)
        }
        return EvaluationSummary(
            metrics: metrics, perCategoryAP: perCategory, categoryIds: categoryIds,
            precision: precision, precisionShape: lvis ? [T, R, K, A] : [T, R, K, A, M],
            recall: recall, recallShape: lvis ? [T, K, A] : [T, K, A, M], warnings: warnings)
    }
}

/// A raw pointer shared by the worker threads, each writing its own cells.
struct SendablePointer<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

/// The first error thrown by any worker (lowest index wins, so the message does not depend on scheduling).
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var best: (Int, Error)?

    func record(_ error: Error, at index: Int) {
        lock.lock()
        if best == nil || index < best!.0 { best = (index, error) }
        lock.unlock()
    }

    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return best?.1
    }
}

/// Counts finished work items and reports every tenth of the way.
final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let log: (@Sendable (String) -> Void)?
    private let what: String
    private let start = DispatchTime.now()

    init(total: Int, log: (@Sendable (String) -> Void)?, what: String) {
        self.total = total
        self.log = log
        self.what = what
    }

    func step() {
        guard let log else { return }
        lock.lock()
        done += 1
        let d = done
        lock.unlock()
        if total >= 10 ? d % (total / 10) == 0 || d == total : d == total {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            log("evaluated \(d)/\(total) \(what) (\(String(format: "%.1f", seconds)) s)")
        }
    }
}
