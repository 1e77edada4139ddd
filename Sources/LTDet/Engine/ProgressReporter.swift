import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Shows the progress of long work: a redrawn bar with rate and ETA on a terminal, plain log lines otherwise
/// (CI logs, files). Writes to standard error so that standard output stays machine-readable.
public final class ProgressReporter: @unchecked Sendable {
    public let total: Int
    public let label: String
    private let isTerminal: Bool
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let plainInterval: TimeInterval
    private var startCount: Int

    public init(total: Int, label: String, startingAt: Int = 0, plainInterval: TimeInterval = 10) {
        self.total = total
        self.label = label
        self.startCount = startingAt
        self.plainInterval = plainInterval
        isTerminal = isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    /// Reports that `done` of `total` items are finished; `detail` is appended (losses, ...).
    public func update(_ done: Int, detail: String = "", force: Bool = false) {
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done - startCount) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        if isTerminal {
            guard force || now.timeIntervalSince(lastPrint) >= 0.2 || done == total else { return }
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = String(
                format: "\r%@ [%@] %d/%d %5.1f%% %.2f/s ETA %@ %@", label, bar, done, total, fraction * 100, rate,
                Self.duration(eta), detail)
            FileHandle.standardError.write(Data((line + "\u{1B}[K" + (done == total ? "\n" : "")).utf8))
        } else {
            guard force || now.timeIntervalSince(lastPrint) >= plainInterval || done == total else { return }
            let line = String(
                format: "%@ %d/%d (%.1f%%) %.2f/s elapsed %@ ETA %@ %@\n", label, done, total, fraction * 100, rate,
                Self.duration(elapsed), Self.duration(eta), detail)
            FileHandle.standardError.write(Data(line.utf8))
        }
        lastPrint = now
    }

    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
