import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Trains several runs at the same time, each an `ltdet train` child process with an equal share of the cores
/// (small models use one core better than two, so two runs side by side finish sooner than one after the
/// other). Each child's output is relayed line by line behind its run's name, so every run's progress shows on
/// the one console. SIGINT/SIGTERM reach the children; when one fails the others are stopped and the error
/// names the run and the end of its output.
struct SideBySideTraining {
    struct Run {
        var name: String
        /// The `ltdet` arguments, starting with `train`.
        var arguments: [String]
    }

    var runs: [Run]

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        if environment["LTDET_NUM_THREADS"] == nil {
            environment["LTDET_NUM_THREADS"] = String(max(1, ProcessInfo.processInfo.activeProcessorCount / runs.count))
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let width = runs.map(\.name.count).max() ?? 0
        let signals = SignalForwarder()
        defer { signals.stop() }
        let finished = DispatchSemaphore(value: 0)
        var children: [(run: Run, process: Process, relay: LineRelay)] = []
        for run in runs {
            let relay = LineRelay(prefix: "[" + run.name.padding(toLength: width, withPad: " ", startingAt: 0) + "] ")
            let process = Process()
            process.executableURL = executable
            process.arguments = run.arguments
            process.environment = environment
            process.standardOutput = relay.pipe
            process.standardError = relay.pipe
            process.terminationHandler = { _ in finished.signal() }
            try process.run()
            // The parent's copy of the write end must be closed, or the relay would never see the end of file.
            try? relay.pipe.fileHandleForWriting.close()
            signals.forward(to: process)
            children.append((run, process, relay))
        }
        var failure: String?
        for _ in children {
            finished.wait()
            if failure == nil, let failed = children.first(where: { !$0.process.isRunning && $0.process.terminationStatus != 0 }) {
                failed.relay.finish()
                let how = failed.process.terminationReason == .uncaughtSignal ? "signal" : "status"
                failure = "training '\(failed.run.name)' exited with \(how) \(failed.process.terminationStatus); "
                    + "its last lines:\n" + failed.relay.lastLines().joined(separator: "\n")
                for other in children where other.process.isRunning { other.process.terminate() }
            }
        }
        children.forEach { $0.relay.finish() }
        if let received = signals.received {
            throw LaunchError(message: "stopped by signal \(received), which the \(children.count) trainings were sent too")
        }
        if let failure { throw LaunchError(message: failure) }
    }
}

/// Prints what a child writes, a whole line at a time with a prefix (lines of two children never interleave
/// mid-line); progress lines ended by a carriage return count as lines. Keeps the last lines for an error.
final class LineRelay: @unchecked Sendable {
    let pipe = Pipe()
    private let prefix: String
    private let lock = NSLock()
    private var pending = Data()
    private var recent: [String] = []
    private var finished = false
    private static let console = NSLock()

    init(prefix: String) {
        self.prefix = prefix
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            if data.isEmpty { handle.readabilityHandler = nil; return }
            self.append(data)
        }
    }

    private func append(_ data: Data) {
        lock.withLock {
            pending.append(data)
            while let end = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                let line = String(decoding: pending[pending.startIndex ..< end], as: UTF8.self)
                pending.removeSubrange(pending.startIndex ... end)
                guard !line.isEmpty else { continue }
                emit(line)
            }
        }
    }

    private func emit(_ line: String) {
        recent.append(line)
        if recent.count > 12 { recent.removeFirst(recent.count - 12) }
        Self.console.withLock { FileHandle.standardOutput.write(Data((prefix + line + "\n").utf8)) }
    }

    /// Flushes a last line without a newline once the child has exited (once; later calls do nothing).
    func finish() {
        guard lock.withLock({ !finished }) else { return }
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        lock.withLock {
            pending.append(rest)
            let line = String(decoding: pending, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            pending.removeAll()
            finished = true
            for part in line.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where !part.isEmpty { emit(String(part)) }
        }
    }

    func lastLines() -> [String] { lock.withLock { recent } }
}
