import Foundation

/// Plots the loss terms of a training log (`log.jsonl` written by the trainer) against the iteration.
public enum TrainingCurves {
    public static func plot(log path: String, to output: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var curves: [String: [Point2D]] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["mode"] as? String == "train", let iteration = object["iter"] as? Int
            else { continue }
            for (key, value) in object where key.hasPrefix("loss") {
                if let v = value as? Double { curves[key, default: []].append(Point2D(Double(iteration), v)) }
            }
        }
        var plot = Plot(title: "training losses", xLabel: "iteration", yLabel: "loss")
        plot.yScale = .log
        for key in curves.keys.sorted() where curves[key]!.allSatisfy({ $0.y > 0 }) {
            plot.add(Plot.Series(label: key, points: curves[key]!, mark: .line))
        }
        try plot.write(to: output)
    }
}
