import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Averages the step values over `settings.logEveryIterations` iterations and appends them to `log.jsonl`
/// with the learning rate, the step time, the time spent waiting for data, the peak memory and the estimated
/// time left; shows progress on standard error (mmcv's `IterTimerHook` and `TextLoggerHook`/`JsonLoggerHook`).
/// It runs last of the standard hooks so that it sees what the others added to `run.values`.
final class LoggerHook: TrainerHook {
    let priority = HookPriority.veryLow
    private var window: [String: Double] = [:]
    private var windowCount = 0
    private var progress: ProgressReporter?
    private var lastTick = Date()
    private var runStart = Date()
    private var firstIteration = 0

    func beforeRun(_ run: TrainingRun) throws {
        progress = ProgressReporter(total: run.totalIterations, label: "train", startingAt: run.state.iteration)
        runStart = Date()
        firstIteration = run.state.iteration
    }

    // Evaluation and checkpoints between epochs are not step time.
    func beforeEpoch(_ run: TrainingRun) throws { lastTick = Date() }

    func afterStep(_ run: TrainingRun) throws {
        let now = Date()
        var values = run.values
        values["time"] = now.timeIntervalSince(lastTick)
        values["data_time"] = run.dataSeconds
        lastTick = now
        for (k, v) in values { window[k, default: 0] += v }
        windowCount += 1

        let iteration = run.state.iteration
        let secondsPerIteration = now.timeIntervalSince(runStart) / Double(iteration - firstIteration)
        let eta = secondsPerIteration * Double(run.totalIterations - iteration)
        if iteration % run.settings.logEveryIterations == 0 || iteration == run.totalIterations {
            var entry = window.mapValues { $0 / Double(windowCount) }
            entry["lr"] = run.learningRate
            entry["memory"] = Self.peakResidentMiB()
            entry["eta"] = eta
            try run.log.append(
                mode: "train", epoch: run.state.epoch, iteration: iteration,
                inEpoch: EpochPosition(iteration: run.state.positionInEpoch, length: run.iterationsInEpoch), values: entry)
            window = [:]
            windowCount = 0
        }
        progress?.update(
            iteration, detail: String(format: "loss %.4f lr %.2e", values["loss"] ?? 0, run.learningRate))
    }

    /// The process's peak resident memory in MiB (mmcv logs the peak CUDA allocation; on CPU this is the
    /// number that says whether a run will fit).
    static func peakResidentMiB() -> Double {
        var usage = rusage()
        // Linux reports kilobytes, macOS bytes.
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / (1024 * 1024)
        #endif
    }
}
