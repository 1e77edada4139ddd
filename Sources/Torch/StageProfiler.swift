import Foundation

/// Wall-clock time of the named stages of a model step and the host reads made in each, for the per-stage
/// profiles of Benchmarks/maskrcnn (LTDet side of its table; the torchvision side times the same stages).
///
/// Off unless a benchmark calls `start()`: `measure` then costs one branch. Times are exclusive: a stage's time
/// leaves out the stages measured inside it, so the stages add up to the step. A host read is an operation whose
/// result the CPU needs before it can go on (`item`, `toArray`, `withUnsafeBytes`, `nonzero`, NMS's copy of the
/// boxes): on a GPU each one waits for the device to finish all queued work. On the CPU they cost nothing extra;
/// counting them says how many synchronisations the same step would make on a GPU.
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
    /// Per open stage: its name and the seconds spent in stages nested in it.
    nonisolated(unsafe) private static var open: [(name: String, nested: Double)] = []
    private static let outside = "(outside any stage)"

    /// Clears the record and starts recording.
    public static func start() {
        stages = [:]
        open = []
        isEnabled = true
    }

    /// Stops recording and returns the record: exclusive seconds and host reads per stage name.
    public static func stop() -> [String: Stage] {
        isEnabled = false
        return stages
    }

    /// Runs `body` as stage `name` (the same name may be used at several places: their times add).
    @inline(__always)
    public static func measure<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard isEnabled else { return try body() }
        open.append((name, 0))
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let nested = open.removeLast().nested
            stages[name, default: Stage()].seconds += elapsed - nested
            if !open.isEmpty { open[open.count - 1].nested += elapsed }
        }
        return try body()
    }

    /// Counts one host read in the innermost open stage.
    @inline(__always)
    static func countHostRead() {
        guard isEnabled else { return }
        stages[open.last?.name ?? outside, default: Stage()].hostReads += 1
    }
}
