import Foundation

/// The human-readable twin of log.jsonl (log.txt beside it), one line per entry in mmcv's TextLoggerHook layout:
///
///     2026-12-02 10:20:01  Epoch [1][50/1000]  lr: 2.000e-02, eta: 0:10:00, time: 0.512, data_time: 0.010,
///     memory: 1234, loss_bbox: 0.1234, ..., loss: 1.2345, grad_norm: 3.2100
///
/// (on one line: iteration 50 of the epoch's 1000); evaluation entries read `Epoch(val) [1][iter 500]  bbox_AP:
/// 0.1230, ...` (iteration 500 of the run), as do training entries written without their epoch position.
final class PlainTextLog {
    let url: URL
    private let clock: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()

    init(url: URL) {
        self.url = url
    }

    func append(mode: String, epoch: Int, iteration: Int, inEpoch: EpochPosition? = nil, values: [String: Double]) throws {
        let line = clock.string(from: Date()) + "  "
            + Self.format(mode: mode, epoch: epoch, iteration: iteration, inEpoch: inEpoch, values: values) + "\n"
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
    }

    /// The entry without its time stamp: the schedule and timing first, then the loss terms, the total loss and
    /// everything else, each group in name order.
    static func format(mode: String, epoch: Int, iteration: Int, inEpoch: EpochPosition? = nil, values: [String: Double])
        -> String
    {
        let head = ["lr", "eta", "time", "data_time", "memory"]
        func rank(_ key: String) -> Int {
            if let i = head.firstIndex(of: key) { return i }
            if key.hasPrefix("loss_") { return head.count }
            return key == "loss" ? head.count + 1 : head.count + 2
        }
        let fields = values.keys.sorted { (rank($0), $0) < (rank($1), $1) }.map { key in
            "\(key): " + value(key, values[key]!)
        }
        let position = inEpoch.map { "\($0.iteration)/\($0.length)" } ?? "iter \(iteration)"
        let prefix = mode == "train" ? "Epoch [\(epoch)][\(position)]" : "Epoch(\(mode)) [\(epoch)][\(position)]"
        return prefix + "  " + fields.joined(separator: ", ")
    }

    private static func value(_ key: String, _ v: Double) -> String {
        guard v.isFinite else { return String(v) }
        switch key {
        case "lr": return String(format: "%.3e", v)
        case "eta":
            let s = Int(v.rounded())
            return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        case "memory": return String(Int(v.rounded()))
        case "time", "data_time": return String(format: "%.3f", v)
        default: return String(format: "%.4f", v)
        }
    }
}
