import AtomicFileIO
import Foundation

/// One finished benchmark run (a method at a seed): its final LVIS metrics and how long it took. Written into
/// the run's work directory last, so its presence marks the run done and a resumed benchmark skips it.
public struct BenchmarkRunResult: Codable, Sendable, Equatable {
    public static let fileName = "benchmark_run.json"

    public var method: String
    public var seed: Int
    /// LVIS metrics as `<iou type>_<metric>` (bbox_AP, bbox_APr, segm_APf, ...).
    public var metrics: [String: Double]
    /// Wall time of the training and evaluation (of the last attempt when a run was resumed).
    public var seconds: Double

    public init(method: String, seed: Int, metrics: [String: Double], seconds: Double) {
        self.method = method
        self.seed = seed
        self.metrics = metrics
        self.seconds = seconds
    }

    public static func read(directory: URL) throws -> BenchmarkRunResult? {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(BenchmarkRunResult.self, from: Data(contentsOf: url)) } catch {
            throw BenchmarkError("\(url.path): not a benchmark run record (\(error)); delete it to rerun that run")
        }
    }

    public func write(directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }

    /// The metrics of the last evaluation in a run's log.jsonl ("mode": "val" entries, keys bbox_AP, ...), or nil
    /// when the run logged none.
    public static func lastEvaluation(log: URL) throws -> (epoch: Int, metrics: [String: Double])? {
        guard FileManager.default.fileExists(atPath: log.path) else { return nil }
        let text = try String(contentsOf: log, encoding: .utf8)
        var last: (Int, [String: Double])?
        for line in text.split(separator: "\n") where line.contains("\"val\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["mode"] as? String == "val"
            else { continue }
            var metrics: [String: Double] = [:]
            for (key, value) in object where key.hasPrefix("bbox_") || key.hasPrefix("segm_") {
                if let number = value as? NSNumber { metrics[key] = number.doubleValue }
            }
            last = ((object["epoch"] as? NSNumber)?.intValue ?? 0, metrics)
        }
        return last
    }
}
