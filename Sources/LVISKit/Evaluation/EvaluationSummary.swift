/// What an evaluation produces: the summary metrics in the reference's order and with its keys, the AP of
/// every category, and the full precision and recall arrays (C order, shapes as the reference's arrays).
public struct EvaluationSummary: Sendable {
    /// LVIS: AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300, ARl@300
    /// (lvis-api's keys; with Fixed AP the AR keys read AR@10000/cat).
    /// COCO: the 12 stats of COCOeval as AP, AP50, AP75, APs, APm, APl, AR@1, AR@10, AR@100, ARs@100, ARm@100, ARl@100.
    /// A metric with no valid cell is -1, as in the references.
    public var metrics: [(String, Double)]
    /// Category id -> AP over IoU thresholds and recall thresholds at area "all" (and the largest maxDets for
    /// COCO); -1 for a category without ground truth.
    public var perCategoryAP: [Int: Double]
    /// Sorted category ids: the K axis of the arrays.
    public var categoryIds: [Int]
    /// LVIS: [T=10, R=101, K, A=4]; COCO: [T, R, K, A, M=3].
    public var precision: [Double]
    public var precisionShape: [Int]
    /// LVIS: [T, K, A]; COCO: [T, K, A, M].
    public var recall: [Double]
    public var recallShape: [Int]
    /// Inputs evaluated as the references do but probably mistakes (duplicate annotation ids): the CLI prints them.
    public var warnings: [String] = []

    public func metric(_ key: String) -> Double? { metrics.first { $0.0 == key }?.1 }

    /// The table printed by the CLI: one metric per line.
    public var table: String {
        let width = metrics.map { $0.0.count }.max() ?? 0
        return metrics.map { key, value in
            key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + formatMetric(value)
        }.joined(separator: "\n")
    }

    /// `{"metrics": {KEY: value}, "per_category": {"<cat id>": AP}}` (keys in table order, categories sorted).
    public var json: String {
        let m = metrics.map { "    \(JSONFormat.string($0.0)): \(JSONFormat.number($0.1))" }.joined(separator: ",\n")
        let c = categoryIds.map { "    \"\($0)\": \(JSONFormat.number(perCategoryAP[$0] ?? -1))" }.joined(separator: ",\n")
        return "{\n  \"metrics\": {\n\(m)\n  },\n  \"per_category\": {\n\(c)\n  }\n}\n"
    }

    /// Writes `json` to a file.
    public func writeJSON(to path: String) throws { try JSONFormat.writeFile(Array(json.utf8), to: path) }

    /// Writes the precision array as a NumPy `.npy` file.
    public func writePrecision(to path: String) throws { try JSONFormat.writeNPY(precision, shape: precisionShape, to: path) }

    /// Writes the recall array as a NumPy `.npy` file.
    public func writeRecall(to path: String) throws { try JSONFormat.writeNPY(recall, shape: recallShape, to: path) }

    private func formatMetric(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        var s = "\(scaled)"
        if let dot = s.firstIndex(of: "."), s.distance(from: dot, to: s.endIndex) < 4, !s.contains("e") {
            s += String(repeating: "0", count: 4 - s.distance(from: dot, to: s.endIndex))
        }
        return s + "   (\(JSONFormat.number(v)))"
    }
}
