import Foundation

/// The detection confusion matrix of mmdet 2.x's `tools/analysis_tools/confusion_matrix.py`, for any number of
/// classes: rows are ground-truth classes, columns predicted classes, and the last row and column are
/// background. Counting, per image:
/// - every detection scoring >= the score threshold is compared with every ground-truth box; each ground truth
///   with IoU >= the IoU threshold adds 1 to [its class, the detection's class] (so one detection can count
///   several times, and a correct one also lands on the diagonal); a detection that reaches no ground truth adds
///   1 to [background, its class];
/// - every ground truth that no detection of its own class reached adds 1 to [its class, background].
///
/// Ground truth is what mmdet's `CocoDataset._parse_ann_info` keeps: not `ignore`, not crowd, area > 0, width and
/// height >= 1, overlapping the image; boxes [x, y, x + w, y + h]. IoU is mmdet's numpy `bbox_overlaps` (no +1,
/// union at least 1e-6), computed in float32 as mmdet does, so threshold ties fall the same way.
public struct DetectionConfusionMatrix: Sendable {
    /// Sorted category ids; index k is category `categoryIds[k]`, index `categoryIds.count` is background.
    public let categoryIds: [Int]
    /// Row-major (K + 1) x (K + 1) counts.
    public private(set) var counts: [Double]
    public let scoreThreshold: Double
    public let iouThreshold: Double

    public var size: Int { categoryIds.count + 1 }
    public var background: Int { categoryIds.count }

    public subscript(trueIndex: Int, predictedIndex: Int) -> Double { counts[trueIndex * size + predictedIndex] }

    public init(groundTruth: LVISDataset, results: DetectionResults, scoreThreshold: Double = 0.3,
                iouThreshold: Double = 0.5) throws {
        categoryIds = Array(Set(groundTruth.categories.map(\.id))).sorted()
        self.scoreThreshold = scoreThreshold
        self.iouThreshold = iouThreshold
        let n = categoryIds.count + 1
        counts = [Double](repeating: 0, count: n * n)
        let categoryIndex = Dictionary(uniqueKeysWithValues: categoryIds.enumerated().map { ($1, $0) })
        var imageSize: [Int: (width: Double, height: Double)] = [:]
        for image in groundTruth.images { imageSize[image.id] = (Double(image.width), Double(image.height)) }

        var truth: [Int: [(box: [Float], label: Int)]] = [:]
        for a in groundTruth.annotations {
            guard let size = imageSize[a.imageId], let label = categoryIndex[a.categoryId], let b = a.bbox, b.count == 4,
                !a.ignore, !a.iscrowd, a.area > 0, b[2] >= 1, b[3] >= 1 else { continue }
            let overlapW = max(0, min(b[0] + b[2], size.width) - max(b[0], 0))
            let overlapH = max(0, min(b[1] + b[3], size.height) - max(b[1], 0))
            guard overlapW * overlapH > 0 else { continue }
            truth[a.imageId, default: []].append((DetectionConfusionMatrix.corners(b), label))
        }

        var detections: [Int: [(box: [Float], label: Int, score: Double)]] = [:]
        for i in 0..<results.count {
            let image = results.imageIds[i], category = results.categoryIds[i]
            guard imageSize[image] != nil else {
                throw LVISKitError.invalidInput("result \(i): image_id \(image) is not an image of the ground truth")
            }
            guard let label = categoryIndex[category] else {
                throw LVISKitError.invalidInput("result \(i): category_id \(category) is not a category of the ground truth")
            }
            guard let box = results.box(at: i) else {
                throw LVISKitError.invalidInput("result \(i): no bbox (the confusion matrix matches boxes)")
            }
            // Scores are float32 in mmdet's result arrays.
            detections[image, default: []].append((DetectionConfusionMatrix.corners(box), label, Double(Float(results.scores[i]))))
        }

        for image in imageSize.keys {
            let gts = truth[image] ?? []
            var truePositives = [Int](repeating: 0, count: gts.count)
            for det in detections[image] ?? [] where det.score >= scoreThreshold {
                var matched = 0
                for (j, gt) in gts.enumerated() where Double(DetectionConfusionMatrix.iou(det.box, gt.box)) >= iouThreshold {
                    matched += 1
                    if gt.label == det.label { truePositives[j] += 1 }
                    counts[gt.label * n + det.label] += 1
                }
                if matched == 0 { counts[background * n + det.label] += 1 }
            }
            for (j, gt) in gts.enumerated() where truePositives[j] == 0 { counts[gt.label * n + background] += 1 }
        }
    }

    /// [x, y, w, h] -> float32 [x1, y1, x2, y2], the corners computed in double first as mmdet's Python does.
    static func corners(_ b: [Double]) -> [Float] { [Float(b[0]), Float(b[1]), Float(b[0] + b[2]), Float(b[1] + b[3])] }

    /// mmdet's `bbox_overlaps` for one pair, in float32.
    static func iou(_ a: [Float], _ b: [Float]) -> Float {
        let areaA = (a[2] - a[0]) * (a[3] - a[1]), areaB = (b[2] - b[0]) * (b[3] - b[1])
        let w = max(min(a[2], b[2]) - max(a[0], b[0]), 0), h = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
        let overlap = w * h
        let union = max(areaA + areaB - overlap, Float(1e-6))
        return overlap / union
    }

    /// Each row divided by its sum (mmdet's plot shows these as percentages); rows without counts stay 0.
    public var rowShares: [Double] {
        var shares = counts
        for r in 0..<size {
            let total = counts[(r * size)..<((r + 1) * size)].reduce(0, +)
            guard total > 0 else { continue }
            for c in 0..<size { shares[r * size + c] /= total }
        }
        return shares
    }

    public struct Pair: Sendable, Equatable {
        public let trueIndex: Int
        public let predictedIndex: Int
        public let count: Double
        /// count / the ground-truth row's total.
        public let rowShare: Double
    }

    /// The `top` largest off-diagonal cells between two classes (background excluded): "class X is detected as
    /// class Y". Ordered by count, then row share, then indices.
    public func strongestConfusions(top: Int) -> [Pair] {
        let shares = rowShares
        var pairs: [Pair] = []
        for r in 0..<background {
            for c in 0..<background where r != c && counts[r * size + c] > 0 {
                pairs.append(Pair(trueIndex: r, predictedIndex: c, count: counts[r * size + c], rowShare: shares[r * size + c]))
            }
        }
        pairs.sort { ($0.count, $0.rowShare, -$0.trueIndex, -$0.predictedIndex) > ($1.count, $1.rowShare, -$1.trueIndex, -$1.predictedIndex) }
        return Array(pairs.prefix(top))
    }

    /// Writes the counts as a (K + 1) x (K + 1) float64 `.npy` file (rows ground truth, last index background).
    public func writeNPY(to path: String) throws { try JSONFormat.writeNPY(counts, shape: [size, size], to: path) }
}
