import AtomicFileIO
import Foundation

/// Appends one JSON object per line: {"mode", "epoch", "iter", values...}; what plots and tools read.
public final class JSONLinesLog {
    public let url: URL

    init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
    }

    public func append(mode: String, epoch: Int, iteration: Int, values: [String: Double]) throws {
        var object: [String: Any] = ["mode": mode, "epoch": epoch, "iter": iteration]
        for (k, v) in values { object[k] = v.isFinite ? v : String(v) }
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        line.append(0x0A)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
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
