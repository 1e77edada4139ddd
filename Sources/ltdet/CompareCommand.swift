import ArgumentParser
import Foundation
import LTDet
import LVISKit

/// Compares runs class by class against training frequency, from the per-class tables their evaluations wrote.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Plot per-class AP against training frequency for several runs, and per-group bar charts.",
        discussion: """
            Each RUN is a work directory holding per_class.csv (written by every evaluation: ltdet train, test, \
            demo) or such a CSV file itself (ltdet eval --per-class). Writes, per evaluated IoU type T: \
            ap_vs_frequency_T.png (each class a point coloured by r/c/f group, a smoothed curve per run) and \
            group_ap_T.png (mean per-class AP of each group, one bar per run), and compare.md (the same numbers).
            """)

    @Argument(help: "Run directories (or per-class CSV files).") var runs: [String]
    @Option(help: "Output directory.") var out: String
    @Option(parsing: .upToNextOption, help: "Names of the runs in the legends (default: the directory names).")
    var names: [String] = []

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
        guard names.isEmpty || names.count == runs.count else {
            throw ValidationError("--names has \(names.count) names for \(runs.count) runs")
        }
    }

    func run() throws {
        let loaded = try runs.enumerated().map { index, path in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("run '\(path)' does not exist")
            }
            let csv = isDirectory.boolValue
                ? URL(fileURLWithPath: path).appendingPathComponent(PerClassReport.stem + ".csv").path : path
            guard FileManager.default.fileExists(atPath: csv) else {
                throw ValidationError("run '\(path)' has no \(PerClassReport.stem).csv: evaluate it first (ltdet test)")
            }
            let name = names.isEmpty ? URL(fileURLWithPath: path).standardized.lastPathComponent : names[index]
            return FrequencyComparison.Run(name: name, table: try CategoryResultsTable.read(csvFile: csv))
        }
        let types = IoUType.allCases.filter { type in loaded.allSatisfy { $0.table.iouTypes.contains(type) } }
        guard !types.isEmpty else {
            throw ValidationError("the runs share no evaluated IoU type: \(loaded.map { "\($0.name): \($0.table.iouTypes.map(\.rawValue))" })")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var report = "# Per-class comparison\n\nMean per-class AP over the classes with ground truth in the evaluated set.\n"
        for type in types {
            let scatter = (out as NSString).appendingPathComponent("ap_vs_frequency_\(type.rawValue).png")
            try FrequencyComparison.apVersusFrequency(loaded, iouType: type).write(to: scatter, width: 900, height: 560)
            let bars = (out as NSString).appendingPathComponent("group_ap_\(type.rawValue).png")
            try FrequencyComparison.groupBars(loaded, iouType: type).write(to: bars, width: 800, height: 480)
            say("wrote \(scatter) and \(bars)")
            report += "\n## \(type.rawValue)\n\n| run | rare | common | frequent | all |\n|---|---:|---:|---:|---:|\n"
            for run in loaded {
                let cells = [LVISDataset.Frequency.rare, .common, .frequent, nil].map { group in
                    FrequencyComparison.groupMean(run.table, iouType: type, group: group).map { String(format: "%.3f", $0) } ?? "-"
                }
                report += "| \(run.name) | " + cells.joined(separator: " | ") + " |\n"
            }
        }
        let reportPath = (out as NSString).appendingPathComponent("compare.md")
        try report.write(toFile: reportPath, atomically: true, encoding: .utf8)
        say(report)
    }
}
