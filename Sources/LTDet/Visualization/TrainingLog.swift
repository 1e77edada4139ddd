import Foundation

/// A run's log.jsonl (written by the trainer's logger and evaluation hooks) read back: training entries
/// (loss terms, lr, time, ...) and evaluation entries ("val": bbox_AP, segm_APr, ...) by iteration.
public struct TrainingLog: Sendable {
    public struct Entry: Sendable {
        public var mode: String
        public var epoch: Int
        public var iteration: Int
        public var values: [String: Double]
    }

    public let path: String
    public let entries: [Entry]

    /// Lines that are not JSON objects with mode, epoch and iter are errors naming the file and line, so that a
    /// truncated or foreign file is not plotted as an empty run.
    public init(path: String) throws {
        self.path = path
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TrainingLogError("\(path): cannot read the training log (\(error.localizedDescription))")
        }
        var entries: [Entry] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let mode = object["mode"] as? String, let epoch = object["epoch"] as? Int,
                let iteration = object["iter"] as? Int
            else {
                throw TrainingLogError("\(path): line \(n + 1): not a log entry (a JSON object with mode, epoch and iter)")
            }
            var values: [String: Double] = [:]
            for (key, value) in object where !["mode", "epoch", "iter", "inner_iter", "epoch_iters"].contains(key) {
                if let number = value as? Double { values[key] = number }
            }
            entries.append(Entry(mode: mode, epoch: epoch, iteration: iteration, values: values))
        }
        self.entries = entries
    }

    /// (iteration, value) of `key` over the entries of `mode`.
    public func series(_ key: String, mode: String) -> [Point2D] {
        entries.filter { $0.mode == mode }.compactMap { e in e.values[key].map { Point2D(Double(e.iteration), $0) } }
    }

    /// The keys that entries of `mode` carry, sorted.
    public func keys(mode: String) -> [String] {
        Array(Set(entries.filter { $0.mode == mode }.flatMap(\.values.keys))).sorted()
    }
}

public struct TrainingLogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
