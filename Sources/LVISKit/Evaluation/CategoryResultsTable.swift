import Foundation

/// Per-category results beside the class's training frequency: what a long-tail method is meant to move.
/// One row per category (name, r/c/f group, training images and instances, AP and AR per evaluated IoU type),
/// sorted by training frequency, most frequent first; written as CSV (for tools: `ltdet compare` reads it back)
/// and Markdown (for people).
///
/// AP is lvis-api's per-category number: the mean of the precision cells `precision[:, :, k, 0]` (all IoU and
/// recall thresholds, area "all") that are > -1, which is `EvaluationSummary.perCategoryAP`; AR is the mean of
/// `recall[:, k, 0]` over IoU thresholds. A category without ground truth in the evaluated set has -1 in both,
/// as in the references.
public struct CategoryResultsTable: Sendable {
    public struct Row: Sendable, Equatable {
        public var id: Int
        public var name: String
        public var frequency: LVISDataset.Frequency?
        /// Training images containing the class and its training instances; nil when not known.
        public var trainImages: Int?
        public var trainInstances: Int?
        public var ap: [IoUType: Double]
        public var ar: [IoUType: Double]

        public init(id: Int, name: String, frequency: LVISDataset.Frequency?, trainImages: Int?, trainInstances: Int?,
                    ap: [IoUType: Double] = [:], ar: [IoUType: Double] = [:]) {
            self.id = id
            self.name = name
            self.frequency = frequency
            self.trainImages = trainImages
            self.trainInstances = trainInstances
            self.ap = ap
            self.ar = ar
        }
    }

    /// Per-category training counts: from the training annotation file itself, or from the `image_count` that
    /// LVIS category entries carry (LVIS v1 counts them on the training set, in every split's file).
    public struct TrainingCounts: Sendable {
        public var images: [Int: Int]
        public var instances: [Int: Int]
        /// True when the counts come from the training file itself: a category missing from it has 0 training
        /// images, not an unknown number.
        public var coversEveryCategory: Bool

        public init(images: [Int: Int], instances: [Int: Int], coversEveryCategory: Bool = false) {
            self.images = images
            self.instances = instances
            self.coversEveryCategory = coversEveryCategory
        }

        public func images(of id: Int) -> Int? { images[id] ?? (coversEveryCategory ? 0 : nil) }
        public func instances(of id: Int) -> Int? { instances[id] ?? (coversEveryCategory ? 0 : nil) }

        /// Counts every annotation of the training file: images containing each category and its instances.
        public init(training: LVISDataset) {
            var images: [Int: Set<Int>] = [:]
            var instances: [Int: Int] = [:]
            for a in training.annotations {
                images[a.categoryId, default: []].insert(a.imageId)
                instances[a.categoryId, default: 0] += 1
            }
            self.init(images: images.mapValues(\.count), instances: instances, coversEveryCategory: true)
        }

        /// The `image_count` and `instance_count` fields of the categories (LVIS); nil when no category has an
        /// image count.
        public init?(categoryFieldsOf dataset: LVISDataset) {
            let images = Dictionary(dataset.categories.compactMap { c in c.imageCount.map { (c.id, $0) } },
                                    uniquingKeysWith: { _, last in last })
            let instances = Dictionary(dataset.categories.compactMap { c in c.instanceCount.map { (c.id, $0) } },
                                       uniquingKeysWith: { _, last in last })
            guard !images.isEmpty else { return nil }
            self.init(images: images, instances: instances)
        }
    }

    /// The IoU types with AP/AR columns, in column order.
    public var iouTypes: [IoUType]
    /// Most frequent first (training images, then instances; unknown counts last), ties by category id.
    public var rows: [Row]

    public init(iouTypes: [IoUType], rows: [Row]) {
        self.iouTypes = iouTypes
        self.rows = rows.sorted(by: CategoryResultsTable.moreFrequent)
    }

    /// The table of an evaluation: categories of `groundTruth`, one pair of AP/AR columns per summary.
    public init(groundTruth: LVISDataset, training: TrainingCounts?, summaries: [(IoUType, EvaluationSummary)]) {
        var rows: [Row] = []
        var seen = Set<Int>()
        for c in groundTruth.categories where seen.insert(c.id).inserted {
            var row = Row(id: c.id, name: c.name, frequency: c.frequency, trainImages: training?.images(of: c.id),
                          trainInstances: training?.instances(of: c.id))
            for (type, summary) in summaries {
                row.ap[type] = summary.perCategoryAP[c.id] ?? -1
                row.ar[type] = CategoryResultsTable.recall(of: c.id, in: summary)
            }
            rows.append(row)
        }
        self.init(iouTypes: summaries.map(\.0), rows: rows)
    }

    /// Mean over IoU thresholds of the recall cells > -1 of category `id` at area "all" (the largest maxDets
    /// for COCO), or -1.
    static func recall(of id: Int, in summary: EvaluationSummary) -> Double {
        guard let k = summary.categoryIds.firstIndex(of: id) else { return -1 }
        let shape = summary.recallShape
        let (T, K, A) = (shape[0], shape[1], shape[2])
        let M = shape.count > 3 ? shape[3] : 1
        let cells = (0..<T).map { t in summary.recall[((t * K + k) * A + 0) * M + (M - 1)] }
        return NumpyMath.meanOfValid(cells)
    }

    static func moreFrequent(_ a: Row, _ b: Row) -> Bool {
        let ka = (a.trainImages ?? -1, a.trainInstances ?? -1), kb = (b.trainImages ?? -1, b.trainInstances ?? -1)
        if ka != kb { return ka > kb }
        return a.id < b.id
    }

    /// The IoU type whose AP ranks classes in summaries: segm when evaluated (LVIS's headline), else the first.
    public var primaryType: IoUType? { iouTypes.contains(.segm) ? .segm : iouTypes.first }

    /// The `count` classes of `group` (nil: all) with the lowest AP of `primaryType`, lowest first; classes
    /// without ground truth in the evaluated set are left out.
    public func worst(group: LVISDataset.Frequency?, count: Int) -> [Row] {
        guard let type = primaryType else { return [] }
        let candidates = rows.filter { (group == nil || $0.frequency == group) && ($0.ap[type] ?? -1) > -1 }
        return Array(candidates.sorted { ($0.ap[type]!, $0.id) < ($1.ap[type]!, $1.id) }.prefix(count))
    }

    /// Lines naming the worst classes of each group (or of all classes when there are no groups).
    public func worstClassesReport(count: Int) -> String {
        guard let type = primaryType else { return "" }
        let groups: [LVISDataset.Frequency?] = rows.contains { $0.frequency != nil } ? [.rare, .common, .frequent] : [nil]
        var lines: [String] = []
        for group in groups {
            let worst = worst(group: group, count: count)
            let name = group.map { CategoryResultsTable.groupName($0) } ?? "all"
            lines.append("worst \(name) classes by \(type.rawValue) AP (train images):")
            if worst.isEmpty { lines.append("  (none with ground truth)") }
            for row in worst {
                lines.append("  " + String(format: "%.3f", row.ap[type]!) + "  \(row.name) (\(row.trainImages.map(String.init) ?? "?"))")
            }
        }
        return lines.joined(separator: "\n")
    }

    public static func groupName(_ group: LVISDataset.Frequency) -> String {
        switch group {
        case .rare: return "rare"
        case .common: return "common"
        case .frequent: return "frequent"
        }
    }

    // MARK: CSV and Markdown

    static let fixedColumns = ["id", "name", "group", "train_images", "train_instances"]

    /// `id,name,group,train_images,train_instances,AP_bbox,AP_segm,AR_bbox,AR_segm` (the AP/AR columns of the
    /// evaluated types); numbers at full precision, unknown counts empty, -1 for no ground truth.
    public var csv: String {
        var lines = [(CategoryResultsTable.fixedColumns + iouTypes.map { "AP_\($0.rawValue)" }
            + iouTypes.map { "AR_\($0.rawValue)" }).joined(separator: ",")]
        for row in rows {
            var fields = [String(row.id), CategoryResultsTable.csvField(row.name), row.frequency?.rawValue ?? "",
                          row.trainImages.map(String.init) ?? "", row.trainInstances.map(String.init) ?? ""]
            fields += iouTypes.map { JSONFormat.number(row.ap[$0] ?? -1) }
            fields += iouTypes.map { JSONFormat.number(row.ar[$0] ?? -1) }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Markdown table with the rank by training frequency; AP and AR with three decimals, "-" where the
    /// evaluated set has no ground truth of the class.
    public var markdown: String {
        let header = ["rank", "id", "name", "group", "train images", "train instances"]
            + iouTypes.map { "AP \($0.rawValue)" } + iouTypes.map { "AR \($0.rawValue)" }
        var lines = ["| " + header.joined(separator: " | ") + " |",
                     "|" + header.enumerated().map { $0.offset == 2 ? "---|" : "---:|" }.joined()]
        func metric(_ v: Double?) -> String { (v ?? -1) > -1 ? String(format: "%.3f", v!) : "-" }
        for (rank, row) in rows.enumerated() {
            var fields = [String(rank + 1), String(row.id), row.name.replacingOccurrences(of: "|", with: "\\|"),
                          row.frequency?.rawValue ?? "", row.trainImages.map(String.init) ?? "",
                          row.trainInstances.map(String.init) ?? ""]
            fields += iouTypes.map { metric(row.ap[$0]) } + iouTypes.map { metric(row.ar[$0]) }
            lines.append("| " + fields.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes PREFIX.csv and PREFIX.md; returns their paths.
    @discardableResult
    public func write(prefix: String) throws -> (csv: String, markdown: String) {
        let paths = (prefix + ".csv", prefix + ".md")
        try JSONFormat.writeFile(Array(csv.utf8), to: paths.0)
        try JSONFormat.writeFile(Array(markdown.utf8), to: paths.1)
        return paths
    }

    /// Reads a table written by `csv`; errors name the file, the line and the field.
    public static func read(csvFile path: String) throws -> CategoryResultsTable {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LVISKitError.io(file: path, message: "cannot read the per-class table (\(error.localizedDescription))")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let headerLine = lines.first else { throw LVISKitError.io(file: path, message: "empty per-class table") }
        let header = parseCSVLine(headerLine)
        guard Array(header.prefix(fixedColumns.count)) == fixedColumns else {
            throw LVISKitError.io(file: path, message: "line 1: expected the columns \(fixedColumns.joined(separator: ",")), ...; got '\(headerLine)'")
        }
        var apColumns: [(Int, IoUType)] = [], arColumns: [(Int, IoUType)] = []
        for (index, name) in header.enumerated().dropFirst(fixedColumns.count) {
            let parts = name.split(separator: "_", maxSplits: 1).map(String.init)
            guard parts.count == 2, let type = IoUType(rawValue: parts[1]), parts[0] == "AP" || parts[0] == "AR" else {
                throw LVISKitError.io(file: path, message: "line 1: unknown column '\(name)' (AP_bbox, AP_segm, AR_bbox, AR_segm)")
            }
            if parts[0] == "AP" { apColumns.append((index, type)) } else { arColumns.append((index, type)) }
        }
        var rows: [Row] = []
        for (n, line) in lines.enumerated().dropFirst() {
            let f = parseCSVLine(line)
            func fail(_ what: String) -> Error { LVISKitError.io(file: path, message: "line \(n + 1): \(what)") }
            guard f.count == header.count else { throw fail("\(f.count) fields, the header has \(header.count)") }
            guard let id = Int(f[0]) else { throw fail("id '\(f[0])' is not an integer") }
            let frequency: LVISDataset.Frequency?
            if f[2].isEmpty { frequency = nil } else {
                guard let g = LVISDataset.Frequency(rawValue: f[2]) else { throw fail("group '\(f[2])' is not r, c or f") }
                frequency = g
            }
            func count(_ i: Int) throws -> Int? {
                if f[i].isEmpty { return nil }
                guard let v = Int(f[i]) else { throw fail("\(header[i]) '\(f[i])' is not an integer") }
                return v
            }
            var row = Row(id: id, name: f[1], frequency: frequency, trainImages: try count(3), trainInstances: try count(4))
            for (i, type) in apColumns {
                guard let v = Double(f[i]) else { throw fail("\(header[i]) '\(f[i])' is not a number") }
                row.ap[type] = v
            }
            for (i, type) in arColumns {
                guard let v = Double(f[i]) else { throw fail("\(header[i]) '\(f[i])' is not a number") }
                row.ar[type] = v
            }
            rows.append(row)
        }
        return CategoryResultsTable(iouTypes: apColumns.map(\.1), rows: rows)
    }

    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func parseCSVLine(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a literal quote; a single one ends the quoted part.
                    var lookahead = chars
                    if lookahead.next() == "\"" { current.append("\""); chars = lookahead } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
