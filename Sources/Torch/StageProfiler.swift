import Foundation

/// Wall-clock time of the named stages of a model step and the host reads made in each, for the per-stage
/// profiles of Benchmarks/maskrcnn (LTDet side of its table; the torchvision side times the same stages).
///
/// Off unless a benchmark calls `start()`: `measure` then costs one branch. Times are exclusive: a stage's time
/// leaves out the stages measured inside it, so the stages add up to the step. Host reads are those `HostReads`
/// counts (`item`, `toArray`, copies to the CPU, the clipping norm): on a GPU each one waits for the device to
/// finish all queued work. On the CPU they cost nothing extra; counting them says how many synchronisations the
/// same step would make on a GPU. They are exclusive too.
///
/// Single-threaded: start, measure and stop from the thread that runs the model (the benchmark's main thread).
/// The stage times of a GPU run would need a device synchronisation at each stage's end; they are CPU-only.
public enum StageProfiler {
    public struct Stage: Sendable {
        public var seconds: Double = 0
        public var hostReads = 0
    }

    nonisolated(unsafe) public private(set) static var isEnabled = false
    nonisolated(unsafe) private static var stages: [String: Stage] = [:]
    /// Per open stage: its name, and the seconds spent and host reads made in stages nested in it.
    nonisolated(unsafe) private static var open: [(name: String, nested: Double, nestedReads: Int)] = []
    /// `HostReads.total` when recording started.
    nonisolated(unsafe) private static var readsAtStart = 0
    private static let outside = "(outside any stage)"

    /// Clears the record and starts recording.
    public static func start() {
        stages = [:]
        open = []
        readsAtStart = HostReads.total
        isEnabled = true
    }

    /// Stops recording and returns the record: exclusive seconds and host reads per stage name.
    public static func stop() -> [String: Stage] {
        isEnabled = false
        let attributed = stages.values.reduce(0) { $0 + $1.hostReads }
        let unattributed = HostReads.total - readsAtStart - attributed
        if unattributed > 0 { stages[outside, default: Stage()].hostReads += unattributed }
        return stages
    }

    /// Runs `body` as stage `name` (the same name may be used at several places: their times add).
    @inline(__always)
    public static func measure<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard isEnabled else { return try body() }
        open.append((name, 0, 0))
        let start = DispatchTime.now().uptimeNanoseconds
        let readsBefore = HostReads.total
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let reads = HostReads.total - readsBefore
            let inner = open.removeLast()
            stages[name, default: Stage()].seconds += elapsed - inner.nested
            stages[name, default: Stage()].hostReads += reads - inner.nestedReads
            if !open.isEmpty {
                open[open.count - 1].nested += elapsed
                open[open.count - 1].nestedReads += reads
            }
        }
        return try body()
    }
}
