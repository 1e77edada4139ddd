import ArgumentParser
import AtomicFileIO
import Foundation
import LTDet
import LVISKit

/// Long-tail statistics of an annotation file.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Counts per frequency group and class, repeat factors and RFS epoch lengths of an annotation file.")

    @Option(help: "COCO or LVIS annotation file.")
    var ann: String

    @Option(help: "Repeat factor sampling threshold t (0 disables re-sampling).")
    var rfsThreshold: Double = 0.001

    @Option(help: "Seed of the stochastic-rounding epoch reported (as RepeatFactorSampler would draw epoch 0).")
    var seed: UInt64 = 0

    @Option(help: "Write the long-tail curve (classes by image count, coloured by group) to this PNG.")
    var plot: String?

    @Option(help: "Write the statistics, per-class factors and per-image repeat factors to this JSON file.")
    var json: String?

    func validate() throws {
        guard RepeatFactors.thresholdRange.contains(rfsThreshold) else {
            throw ValidationError("--rfs-threshold must be between 0 and 1, got \(rfsThreshold)")
        }
    }

    func run() throws {
        let groundTruth = try LVISDataset.load(path: ann)
        let statistics = DatasetStatistics(groundTruth: groundTruth, rfsThreshold: rfsThreshold, seed: seed)
        print(statistics.summary)
        if let plot {
            try statistics.longTailPlot(title: (ann as NSString).lastPathComponent).write(to: plot, width: 900, height: 500)
            print("plot: \(plot)")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try AtomicFile.write(try encoder.encode(statistics), to: URL(fileURLWithPath: json))
            print("json: \(json)")
        }
    }
}
