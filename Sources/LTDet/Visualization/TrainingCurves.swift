import Foundation

/// Curves of training logs: the loss terms of one run (the demo's losses.png), and one key of several runs
/// overlaid (`ltdet analyze-logs`, as mmdet's tools/analysis_tools/analyze_logs.py plot_curve).
public enum TrainingCurves {
    /// Every positive loss term of `log` against the iteration, log-scaled.
    public static func plot(log path: String, to output: String) throws {
        let log = try TrainingLog(path: path)
        var plot = Plot(title: "training losses", xLabel: "iteration", yLabel: "loss")
        plot.yScale = .log
        for key in log.keys(mode: "train") where key.hasPrefix("loss") {
            let points = log.series(key, mode: "train")
            if points.allSatisfy({ $0.y > 0 }) { plot.add(Plot.Series(label: key, points: points, mark: .line)) }
        }
        try plot.write(to: output)
    }

    /// `keys` of `mode` entries against the iteration, one line per run and key (points too for evaluation
    /// entries, which are few); runs without a key are left out of its lines.
    public static func compare(_ runs: [(name: String, log: TrainingLog)], keys: [String], mode: String) -> Plot {
        let what = keys.count == 1 ? keys[0] : keys.joined(separator: ", ")
        var plot = Plot(title: "\(what) (\(mode == "train" ? "training" : "evaluation"))", xLabel: "iteration",
                        yLabel: keys.count == 1 ? keys[0] : "value")
        var index = 0
        for run in runs {
            for key in keys {
                let points = run.log.series(key, mode: mode)
                guard !points.isEmpty else { continue }
                let label = runs.count == 1 ? key : keys.count == 1 ? run.name : "\(run.name) \(key)"
                let color = Color.categorical(index)
                plot.add(Plot.Series(label: label, points: points, mark: .line, color: color))
                if mode != "train" { plot.add(Plot.Series(points: points, mark: .scatter, color: color, size: 7)) }
                index += 1
            }
        }
        return plot
    }
}
