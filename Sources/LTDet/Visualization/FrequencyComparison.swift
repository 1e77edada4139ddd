import Foundation
import LVISKit

/// Plots that compare runs class by class against training frequency (`ltdet compare`): AP versus training
/// images (each class a point coloured by its r/c/f group, a smoothed curve per run) and per-group bar charts.
public enum FrequencyComparison {
    public struct Run: Sendable {
        public var name: String
        public var table: CategoryResultsTable

        public init(name: String, table: CategoryResultsTable) {
            self.name = name
            self.table = table
        }
    }

    /// Group colours of every long-tail plot (the stats plot's too): rare red, common orange, frequent blue.
    public static let groupColors: [LVISDataset.Frequency: Color] = [
        .rare: Color(hex: 0xD62728), .common: Color(hex: 0xFF7F0E), .frequent: Color(hex: 0x1F77B4),
    ]
    /// Curve and bar colours of the runs: none of the group colours, so a curve never reads as a group.
    public static let runColors: [Color] = [0x222222, 0x2CA02C, 0x9467BD, 0x8C564B, 0xE377C2, 0x17BECF, 0xBCBD22]
        .map { Color(hex: $0) }

    public static func runColor(_ index: Int) -> Color { runColors[index % runColors.count] }

    /// AP of `iouType` against training images (log x). Classes without training images or without ground truth
    /// in the evaluated set have no point.
    public static func apVersusFrequency(_ runs: [Run], iouType: IoUType, bandwidth: Double = 0.3) -> Plot {
        var plot = Plot(title: "\(iouType.rawValue) AP per class vs training frequency",
                        xLabel: "training images containing the class (log scale)", yLabel: "\(iouType.rawValue) AP")
        plot.xScale = .log
        plot.yRange = 0 ... 1
        // Rare classes sit low on the left: the top-left corner is where the points are not.
        plot.legendCorner = .topLeft
        for group in [LVISDataset.Frequency.rare, .common, .frequent] {
            let points = runs.flatMap { run in classPoints(run.table, iouType: iouType, group: group) }
            plot.add(Plot.Series(label: CategoryResultsTable.groupName(group), points: points, mark: .scatter,
                                 color: groupColors[group], size: 6, alpha: runs.count > 1 ? 0.35 : 0.6))
        }
        for (index, run) in runs.enumerated() {
            let points = classPoints(run.table, iouType: iouType, group: nil)
            plot.add(Plot.Series(label: run.name, points: smoothed(points, bandwidth: bandwidth), mark: .line,
                                 color: runColor(index), size: 3))
        }
        // A margin around the data, so that the one-image classes do not sit on the axis (the fitted log range
        // would reach down to 0.1 training images).
        let xs = runs.flatMap { classPoints($0.table, iouType: iouType, group: nil).map(\.x) }
        if let low = xs.min(), let high = xs.max() { plot.xRange = (low / 1.4) ... max(high * 1.4, low * 10) }
        return plot
    }

    /// Mean per-class AP of each group (rare, common, frequent, all), one bar per run; the mean over classes with
    /// ground truth, which is close to but not the same as lvis-api's APr/APc/APf (those average cells).
    public static func groupBars(_ runs: [Run], iouType: IoUType) -> Plot {
        var plot = Plot(title: "\(iouType.rawValue) mean per-class AP by frequency group", xLabel: "group",
                        yLabel: "mean per-class \(iouType.rawValue) AP")
        let groups: [LVISDataset.Frequency?] = [.rare, .common, .frequent, nil]
        let width = 0.8 / Double(max(runs.count, 1))
        for (index, run) in runs.enumerated() {
            let points = groups.enumerated().compactMap { g, group -> Point2D? in
                groupMean(run.table, iouType: iouType, group: group).map {
                    Point2D(Double(g) + (Double(index) - Double(runs.count - 1) / 2) * width, $0)
                }
            }
            plot.add(Plot.Series(label: run.name, points: points, mark: .bar, color: runColor(index), size: 0.95))
        }
        plot.xRange = -0.5 ... Double(groups.count) - 0.5
        let tallest = runs.flatMap { run in groups.compactMap { groupMean(run.table, iouType: iouType, group: $0) } }.max() ?? 0
        plot.yRange = 0 ... max(0.05, (tallest * 20).rounded(.up) / 20)
        plot.legendClearsData = true
        plot.xTickLabels = groups.enumerated().map { g, group in
            let count = runs.first.map { t in t.table.rows.filter { group == nil || $0.frequency == group }.count } ?? 0
            return (Double(g), "\(group.map(CategoryResultsTable.groupName) ?? "all") (\(count) classes)")
        }
        return plot
    }

    /// Mean AP over the classes of `group` (nil: all) that have ground truth, or nil when there are none.
    public static func groupMean(_ table: CategoryResultsTable, iouType: IoUType, group: LVISDataset.Frequency?) -> Double? {
        let values = table.rows.filter { group == nil || $0.frequency == group }.compactMap { $0.ap[iouType] }.filter { $0 > -1 }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    static func classPoints(_ table: CategoryResultsTable, iouType: IoUType, group: LVISDataset.Frequency?) -> [Point2D] {
        table.rows.compactMap { row in
            guard group == nil || row.frequency == group, let images = row.trainImages, images > 0,
                let ap = row.ap[iouType], ap > -1 else { return nil }
            return Point2D(Double(images), ap)
        }
    }

    /// A Gaussian-kernel running mean in log10(x) (Nadaraya-Watson) on 80 points across the data: a trend
    /// that a few classes cannot swing. Stops where fewer than two classes' worth of weight is near.
    static func smoothed(_ points: [Point2D], bandwidth: Double) -> [Point2D] {
        let logs = points.map { log10($0.x) }
        guard let low = logs.min(), let high = logs.max(), high > low else { return [] }
        return (0..<80).compactMap { i in
            let u = low + (high - low) * Double(i) / 79
            var weight = 0.0, sum = 0.0
            for (l, p) in zip(logs, points) {
                let w = exp(-0.5 * pow((l - u) / bandwidth, 2))
                weight += w
                sum += w * p.y
            }
            return weight >= 2 ? Point2D(pow(10, u), sum / weight) : nil
        }
    }
}
