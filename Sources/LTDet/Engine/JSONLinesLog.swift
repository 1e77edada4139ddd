import Foundation

/// Appends one JSON object per line: {"mode", "epoch", "iter", values...}; what plots and tools read.
public final class JSONLinesLog {
    public let url: URL

    init(url: URL) { self.url = url }

    public func append(mode: String, epoch: Int, iteration: Int, values: [String: Double]) throws {
        var object: [String: Any] = ["mode": mode, "epoch": epoch, "iter": iteration]
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
    }
}
