import ArgumentParser
import Foundation
import LTDet
import LVISKit

/// mmdet's detection confusion matrix (tools/analysis_tools/confusion_matrix.py) at LVIS scale: which class is
/// detected as which, ordered by training frequency so that head-absorbs-tail shows as mass left of the diagonal.
struct ConfusionMatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confusion-matrix",
        abstract: "Detection confusion matrix (mmdet's confusion_matrix.py), heatmap by frequency and strongest pairs.",
        discussion: """
            Writes to --out: confusion_matrix.npy ((K+1) x (K+1) counts, rows ground truth, columns prediction, \
            the last row and column background, categories in id order), confusion_matrix.png (the classes with \
            ground truth or predicted on ground truth, rows and columns ordered by training images, most frequent first, background last; cells \
            show the square root of the row share so that small confusions stay visible) and confusion_pairs.csv (the strongest off-diagonal \
            class pairs), which are also printed.
            """)

    @Option(name: .customLong("gt"), help: "Ground-truth JSON (COCO or LVIS).") var groundTruth: String
    @Option(help: "Results JSON with boxes.") var results: String
    @Option(help: "Output directory.") var out: String
    @Option(help: "Detections scoring below this are left out (mmdet's --score-thr).") var scoreThr = 0.3
    @Option(help: "IoU at which a detection reaches a ground truth (mmdet's --tp-iou-thr).") var tpIouThr = 0.5
    @Option(name: .customLong("train-ann"), help: "Training annotation file for the frequency order (default: the categories' image_count).")
    var trainAnnotations: String?
    @Option(help: "How many class pairs to list.") var top = 20

    func validate() throws {
        guard (0...1).contains(scoreThr) else { throw ValidationError("--score-thr must be in [0, 1], got \(scoreThr)") }
        guard tpIouThr > 0, tpIouThr <= 1 else { throw ValidationError("--tp-iou-thr must be in (0, 1], got \(tpIouThr)") }
    }

    func run() throws {
        let gt = try LVISDataset.load(path: groundTruth)
        let matrix = try DetectionConfusionMatrix(
            groundTruth: gt, results: try DetectionResults.load(path: results), scoreThreshold: scoreThr,
            iouThreshold: tpIouThr)
        let training = try trainAnnotations.map { CategoryResultsTable.TrainingCounts(training: try LVISDataset.load(path: $0)) }
            ?? CategoryResultsTable.TrainingCounts(categoryFieldsOf: gt)
        var names: [Int: String] = [:], groups: [Int: String] = [:]
        for c in gt.categories {
            names[c.id] = c.name
            groups[c.id] = c.frequency?.rawValue ?? ""
        }
        let ids = matrix.categoryIds
        let images = ids.map { training?.images(of: $0) ?? 0 }
        // At LVIS scale most classes have no ground truth in a validation subset and only background detections:
        // the heatmap shows the classes with ground truth or predicted on another class's ground truth (their
        // background counts are in the .npy and the totals printed below).
        let n = matrix.size
        let active = ids.indices.filter { k in (0..<n).contains { matrix[k, $0] > 0 } || ids.indices.contains { matrix[$0, k] > 0 } }
        let order = active.sorted { (images[$0], -$0) > (images[$1], -$1) } + [matrix.background]
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }

        try matrix.writeNPY(to: path("confusion_matrix.npy"))
        let shares = matrix.rowShares
        let labels = order.map { $0 == matrix.background ? "background" : names[ids[$0]] ?? "\(ids[$0])" }
        let cell = max(1, min(24, 1000 / order.count))
        let heatmap = Heatmap(
            title: "confusion (sqrt row share), rows true, columns predicted, by training frequency"
                + (active.count < ids.count ? " (\(active.count) of \(ids.count) classes)" : ""),
            values: order.map { r in order.map { c in shares[r * n + c].squareRoot() } },
            rowLabels: labels, columnLabels: labels, valueRange: 0...1)
        try heatmap.write(to: path("confusion_matrix.png"), cellSize: cell)

        func describe(_ k: Int) -> String { "\(names[ids[k]] ?? "\(ids[k])") [\(groups[ids[k]] ?? ""), \(images[k])]" }
        var csv = "true_id,true_name,true_group,true_train_images,predicted_id,predicted_name,predicted_group,predicted_train_images,count,row_share\n"
        print("strongest confusions (true class [group, train images] -> predicted class: count, share of the true class's row):")
        for pair in matrix.strongestConfusions(top: top) {
            let (t, p) = (pair.trueIndex, pair.predictedIndex)
            print(String(format: "  %5.0f  %5.1f%%  ", pair.count, pair.rowShare * 100) + "\(describe(t)) -> \(describe(p))")
            csv += [String(ids[t]), CategoryResultsTable.csvField(names[ids[t]] ?? ""), groups[ids[t]] ?? "", String(images[t]),
                    String(ids[p]), CategoryResultsTable.csvField(names[ids[p]] ?? ""), groups[ids[p]] ?? "", String(images[p]),
                    String(Int(pair.count)), String(pair.rowShare)].joined(separator: ",") + "\n"
        }
        try csv.write(toFile: path("confusion_pairs.csv"), atomically: true, encoding: .utf8)
        let bg = matrix.background
        let missed = (0..<bg).map { matrix[$0, bg] }.reduce(0, +), spurious = (0..<bg).map { matrix[bg, $0] }.reduce(0, +)
        print(String(format: "ground truth missed (-> background): %.0f; detections on background: %.0f", missed, spurious))
        print("wrote \(path("confusion_matrix.npy")), \(path("confusion_matrix.png")), \(path("confusion_pairs.csv"))")
    }
}
