import AtomicFileIO
import Foundation
import LVISKit

/// Images ranked by how well a model did on each, as mmdet 2.x's tools/analysis_tools/analyze_results.py ranks
/// them: an image's score is mmdet's `bbox_map_eval`, the `eval_map` of that image alone (VOC-style, `tpfp_default`,
/// area under the interpolated precision-recall curve, mean over the classes with ground truth in the image;
/// 0 when it has none) averaged over IoU 0.50:0.05:0.95. Per class, the score is that class's AP in the image,
/// for the images holding ground truth of it. Every detection counts, whatever its score. Crowd boxes are no
/// ground truth here (`InstanceDataset` leaves them out); mmdet would ignore the detections matching them.
/// scripts/reference/check_image_ranking.sh compares the scores with a Python version of mmdet's functions.
public enum ImageRanking {
    public struct RankedImage: Sendable, Equatable {
        public var imageID: Int
        public var score: Double
    }

    static let iouThresholds = (0..<10).map { 0.5 + 0.05 * Double($0) }

    /// Every image of `dataset` by ascending bbox mAP (ties in dataset order, as Python's stable sort): the
    /// worst first, the best last. With `category`, only the images holding ground truth of it, by its AP.
    public static func rank(results: [DetectionResult], dataset: InstanceDataset, category: Int? = nil) -> [RankedImage] {
        let byImage = Dictionary(grouping: results, by: \.imageId)
        var ranked: [RankedImage] = []
        for image in dataset.images {
            let truth = image.instances.map { (box: $0.box, category: dataset.labels.categoryID(forLabel: $0.label)) }
            let detections = (byImage[image.id] ?? []).compactMap { r in
                r.bbox.map { (box: BoundingBox(xywh: $0), score: r.score, category: r.categoryId) }
            }
            if let category {
                guard truth.contains(where: { $0.category == category }) else { continue }
                let aps = iouThresholds.map { classAPs(detections, truth, iouThreshold: $0)[category]! }
                ranked.append(RankedImage(imageID: image.id, score: aps.reduce(0, +) / Double(aps.count)))
            } else {
                let maps = iouThresholds.map { t -> Double in
                    let aps = classAPs(detections, truth, iouThreshold: t).values
                    return aps.isEmpty ? 0 : aps.reduce(0, +) / Double(aps.count)
                }
                ranked.append(RankedImage(imageID: image.id, score: maps.reduce(0, +) / Double(maps.count)))
            }
        }
        return ranked.enumerated().sorted { ($0.element.score, $0.offset) < ($1.element.score, $1.offset) }.map(\.element)
    }

    /// The AP of each class with ground truth in one image at one IoU threshold (mmdet `tpfp_default` and
    /// `average_precision(mode='area')`).
    static func classAPs(
        _ detections: [(box: BoundingBox, score: Double, category: Int)], _ truth: [(box: BoundingBox, category: Int)],
        iouThreshold: Double
    ) -> [Int: Double] {
        var result: [Int: Double] = [:]
        for category in Set(truth.map(\.category)) {
            let gts = truth.filter { $0.category == category }.map(\.box)
            // By descending score; equal scores keep their order.
            let dets = detections.filter { $0.category == category }.enumerated()
                .sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element.box)
            var covered = [Bool](repeating: false, count: gts.count)
            var tp: [Double] = [], fp: [Double] = []
            for det in dets {
                // The ground truth this detection overlaps most (the first of equal overlaps, as numpy's argmax).
                var best = -1, bestIoU = -Double.infinity
                for (j, gt) in gts.enumerated() {
                    let iou = overlap(det, gt)
                    if iou > bestIoU { (best, bestIoU) = (j, iou) }
                }
                if bestIoU >= iouThreshold, !covered[best] {
                    covered[best] = true
                    tp.append(1); fp.append(0)
                } else {
                    tp.append(0); fp.append(1)
                }
            }
            result[category] = areaUnderPrecisionRecall(tp: tp, fp: fp, groundTruths: gts.count)
        }
        return result
    }

    /// mmdet's `bbox_overlaps` (IoU, union at least 1e-6, widths x2 - x1).
    static func overlap(_ a: BoundingBox, _ b: BoundingBox) -> Double {
        let w = max(min(a.x1, b.x1) - max(a.x0, b.x0), 0), h = max(min(a.y1, b.y1) - max(a.y0, b.y0), 0)
        let inter = w * h
        let union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter
        return inter / max(union, 1e-6)
    }

    /// mmdet `average_precision(mode='area')` of cumulative true and false positives.
    static func areaUnderPrecisionRecall(tp: [Double], fp: [Double], groundTruths: Int) -> Double {
        let eps = Double(Float.ulpOfOne)
        var recalls: [Double] = [], precisions: [Double] = []
        var t = 0.0, f = 0.0
        for (a, b) in zip(tp, fp) {
            t += a
            f += b
            recalls.append(t / max(Double(groundTruths), eps))
            precisions.append(t / max(t + f, eps))
        }
        let mrec = [0] + recalls + [1]
        var mpre = [0] + precisions + [0]
        for i in stride(from: mpre.count - 1, to: 0, by: -1) { mpre[i - 1] = max(mpre[i - 1], mpre[i]) }
        var ap = 0.0
        for i in 0..<(mrec.count - 1) where mrec[i + 1] != mrec[i] { ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1] }
        return ap
    }

    /// Writes DIR/ranking.csv (image_id,score, worst first) and the pictures of the `count` worst (DIR/bad) and
    /// best (DIR/good, best first) images, each `<rank>_<image id>_<score>.png` with the ground truth beside the
    /// detections scoring >= `minScore`. Returns the pictures written.
    public static func write(
        _ ranking: [RankedImage], results: [DetectionResult], dataset: InstanceDataset, to directory: String, count: Int,
        minScore: Double
    ) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let csv = "image_id,score\n" + ranking.map { "\($0.imageID),\($0.score)" }.joined(separator: "\n") + "\n"
        try AtomicFile.write(csv, to: (directory as NSString).appendingPathComponent("ranking.csv"))
        let images = Dictionary(uniqueKeysWithValues: dataset.images.map { ($0.id, $0) })
        let byImage = Dictionary(grouping: results, by: \.imageId)
        var written: [String] = []
        for (folder, chosen) in [("bad", Array(ranking.prefix(count))), ("good", Array(ranking.suffix(count).reversed()))] {
            let path = (directory as NSString).appendingPathComponent(folder)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (rank, entry) in chosen.enumerated() {
                let canvas = try DetectionDrawing.picture(
                    of: images[entry.imageID]!, results: byImage[entry.imageID] ?? [], dataset: dataset, minScore: minScore,
                    withGroundTruth: true)
                let file = (path as NSString).appendingPathComponent(
                    String(format: "%02d_%d_%.3f.png", rank + 1, entry.imageID, entry.score))
                try canvas.write(to: file)
                written.append(file)
            }
        }
        return written
    }
}
