import LVISKit

// The plot of the statistics lives with the other plots: Data computes, Visualization draws.
extension DatasetStatistics {
    /// The long-tail curve: classes sorted by image count (log scale), one bar per class coloured
    /// by frequency group.
    public func longTailPlot(title: String) -> Plot {
        var plot = Plot(title: title, xLabel: "class rank (by training images)", yLabel: "images containing the class")
        plot.yScale = .log
        let ranked = classes.sorted { ($0.images, -$0.id) > ($1.images, -$1.id) }
        let colors: [LVISDataset.Frequency: Color] = [.frequent: Color(hex: 0x1F77B4), .common: Color(hex: 0xFF7F0E), .rare: Color(hex: 0xD62728)]
        let names: [LVISDataset.Frequency: String] = [.frequent: "frequent", .common: "common", .rare: "rare"]
        for group in [LVISDataset.Frequency.frequent, .common, .rare] {
            let points = ranked.enumerated().filter { $0.element.frequency == group && $0.element.images > 0 }
                .map { Point2D(Double($0.offset + 1), Double($0.element.images)) }
            plot.add(Plot.Series(label: "\(names[group]!) (\(classes.filter { $0.frequency == group }.count))",
                                 points: points, mark: .bar, color: colors[group], size: 0.9))
        }
        plot.xRange = 0 ... Double(max(ranked.count, 1) + 1)
        return plot
    }
}
