import ArgumentParser
import Foundation
import LTDet

/// Loss and AP curves of several runs, and their training speed (mmdet's analyze_logs.py plot_curve / cal_train_time).
struct AnalyzeLogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze-logs",
        abstract: "Plot loss and AP curves of several runs from their log.jsonl, and summarise speed and best AP.",
        discussion: """
            Each RUN is a work directory holding log.jsonl or such a file itself. Writes to --out one PNG per \
            training key (train_KEY.png, runs overlaid) and one for the evaluation keys (val_METRICS.png), and \
            prints per run: iterations, mean step and data time, the last loss and each metric's best and last value.
            """)

    @Argument(help: "Run directories (or log.jsonl files).") var runs: [String]
    @Option(help: "Output directory.") var out: String
    @Option(parsing: .upToNextOption, help: "Training keys to plot, one PNG each.") var keys: [String] = ["loss"]
    @Option(parsing: .upToNextOption, help: "Evaluation keys to plot together (default: bbox_AP and segm_AP where logged).")
    var metrics: [String] = []
    @Option(parsing: .upToNextOption, help: "Names of the runs in the legends (default: the directory names).")
    var names: [String] = []

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
        guard names.isEmpty || names.count == runs.count else {
            throw ValidationError("--names has \(names.count) names for \(runs.count) runs")
        }
    }

    func run() throws {
        let loaded = try runs.enumerated().map { index, path -> (name: String, log: TrainingLog) in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("run '\(path)' does not exist")
            }
            let file = isDirectory.boolValue ? URL(fileURLWithPath: path).appendingPathComponent("log.jsonl").path : path
            let name = names.isEmpty
                ? URL(fileURLWithPath: isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent)
                    .standardized.lastPathComponent
                : names[index]
            return (name, try TrainingLog(path: file))
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }
        for key in keys {
            guard loaded.contains(where: { !$0.log.series(key, mode: "train").isEmpty }) else {
                throw ValidationError("no run logs the training key '\(key)'; logged: \(loaded[0].log.keys(mode: "train").joined(separator: ", "))")
            }
            try TrainingCurves.compare(loaded, keys: [key], mode: "train").write(to: path("train_\(key).png"))
            print("wrote \(path("train_\(key).png"))")
        }
        let valKeys = metrics.isEmpty
            ? ["bbox_AP", "segm_AP"].filter { key in loaded.contains { !$0.log.series(key, mode: "val").isEmpty } } : metrics
        if !valKeys.isEmpty {
            let name = "val_" + valKeys.joined(separator: "_") + ".png"
            var plot = TrainingCurves.compare(loaded, keys: valKeys, mode: "val")
            plot.yRange = 0...1
            try plot.write(to: path(name))
            print("wrote \(path(name))")
        }
        for run in loaded {
            let train = run.log.entries.filter { $0.mode == "train" }
            let times = train.compactMap { $0.values["time"] }, dataTimes = train.compactMap { $0.values["data_time"] }
            func mean(_ v: [Double]) -> String { v.isEmpty ? "-" : String(format: "%.3f s", v.reduce(0, +) / Double(v.count)) }
            var line = "\(run.name): \(train.last?.iteration ?? 0) iterations, step \(mean(times)), data \(mean(dataTimes))"
            if let loss = train.last?.values["loss"] { line += String(format: ", last loss %.4f", loss) }
            print(line)
            for key in valKeys {
                let series = run.log.series(key, mode: "val")
                guard let best = series.max(by: { $0.y < $1.y }), let last = series.last else { continue }
                print(String(format: "  %@: best %.4f (iteration %d), last %.4f", key, best.y, Int(best.x), last.y))
            }
        }
    }
}
