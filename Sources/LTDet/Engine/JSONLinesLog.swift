import AtomicFileIO
import Foundation

/// Appends one JSON object per line: {"mode", "epoch", "iter", values...}, training entries also "inner_iter" (the
/// iteration within the epoch, 1-based, mmcv's `inner_iter + 1`) and "epoch_iters" (the epoch's length); what
/// plots and tools read ("iter" counts the whole run, so that resumed and compared runs line up). Every
/// entry also goes to the plain-text log beside it (log.jsonl -> log.txt), for people, and to a TensorBoard event
/// file in tf_logs/ beside it (tags "<mode>/<key>", step = iteration), for TensorBoard and W&B.
public final class JSONLinesLog {
    public let url: URL
    private let text: PlainTextLog
    // Opened at the first entry, so that a work directory gets no event file until something is logged.
    private var events: TensorBoardEventFile?

    init(url: URL) {
        self.url = url
        text = PlainTextLog(url: url.deletingPathExtension().appendingPathExtension("txt"))
    }

    public func append(
        mode: String, epoch: Int, iteration: Int, inEpoch: EpochPosition? = nil, values: [String: Double]
    ) throws {
        var object: [String: Any] = ["mode": mode, "epoch": epoch, "iter": iteration]
        if let inEpoch {
            object["inner_iter"] = inEpoch.iteration
            object["epoch_iters"] = inEpoch.length
        }
        for (k, v) in values { object[k] = v.isFinite ? v : String(v) }
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        line.append(0x0A)
        // Created by the first entry: a process that never logs (rank > 0 of a job) leaves no file.
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try text.append(mode: mode, epoch: epoch, iteration: iteration, inEpoch: inEpoch, values: values)
        if events == nil {
            events = try TensorBoardEventFile(directory: url.deletingLastPathComponent().appendingPathComponent("tf_logs"))
        }
        try events!.add(values, prefix: mode, step: iteration)
    }

    /// Keeps the entries of iterations up to `iteration` (and drops a line torn by a kill), so that a resumed
    /// run's log reads as one run.
    func dropEntries(after iteration: Int) throws {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        var kept: [Substring] = []
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let entryIteration = object["iter"] as? Int, entryIteration <= iteration
            else { continue }
            kept.append(line)
        }
        try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: url.path)
    }
}

/// Where an entry falls in its epoch: iteration `iteration` (1-based) of `length`.
public struct EpochPosition: Sendable, Equatable {
    public var iteration: Int
    public var length: Int

    public init(iteration: Int, length: Int) {
        self.iteration = iteration
        self.length = length
    }
}
