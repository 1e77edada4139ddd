import AtomicFileIO
import Foundation
import LTDet
import LVISKit
import Torch

/// Runs a benchmark plan: each run an `ltdet train` child process (so a crash or a kill costs one run, and
/// --jobs runs train side by side), skipping finished runs and resuming interrupted ones; prints progress with
/// rate and ETA, and rewrites the report after every finished run.
final class LongTailBenchmarkExecutor {
    let plan: LongTailBenchmarkPlan
    let jobs: Int
    let command: String
    let quick: Bool
    let started = Date()
    var loadSamples: [Double] = []

    init(plan: LongTailBenchmarkPlan, jobs: Int, command: String, quick: Bool) {
        self.plan = plan
        self.quick = quick
        self.jobs = jobs
        self.command = command
    }

    final class Children: @unchecked Sendable {
        let lock = NSLock()
        var processes: [Process] = []
        func add(_ p: Process) { lock.withLock { processes.append(p) } }
        func remove(_ p: Process) { lock.withLock { processes.removeAll { $0 === p } } }
        func terminateAll() { lock.withLock { processes.forEach { $0.terminate() } } }
    }

    func run(reportPath: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: plan.logs, withIntermediateDirectories: true)
        var results: [BenchmarkRunResult] = []
        var pending: [LongTailBenchmarkPlan.Run] = []
        for run in plan.runs {
            if let done = try BenchmarkRunResult.read(directory: run.directory) { results.append(done) } else { pending.append(run) }
        }
        let total = plan.runs.count
        say("\(total) runs, \(results.count) finished earlier, \(pending.count) to go, \(jobs) at a time; outputs in \(plan.out.path)")
        try writeReport(results: results, failures: [], to: reportPath)

        // A kill of the benchmark ends its children too (their checkpoints stay for the resume).
        let children = Children()
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                children.terminateAll()
                FileHandle.standardError.write(Data("benchmark: interrupted; rerun the same command to resume\n".utf8))
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }

        var failures: [String] = []
        var failedMethods: [Int: Set<String>] = [:]
        var running: [(run: LongTailBenchmarkPlan.Run, process: Process, start: Date)] = []
        var finishedHere: [Double] = []
        let threads = ProcessInfo.processInfo.environment["LTDET_NUM_THREADS"]
            ?? String(max(1, ProcessInfo.processInfo.activeProcessorCount / jobs))
        while !pending.isEmpty || !running.isEmpty {
            // Start what is ready: a run whose stage 1 has finished (or has none).
            while running.count < jobs, let index = pending.firstIndex(where: { isReady($0, results: results) }) {
                let run = pending.remove(at: index)
                if let stage1 = run.method.loadFrom, failedMethods[run.seed, default: []].contains(stage1) {
                    failures.append("\(run.name) (skipped: its stage 1 \(stage1) failed)")
                    failedMethods[run.seed, default: []].insert(run.method.name)
                    continue
                }
                let process = try start(run, threads: threads)
                children.add(process)
                running.append((run, process, Date()))
                say("start \(run.name) (\(run.method.label)); log \(logFile(run).path)")
            }
            if running.isEmpty && !pending.isEmpty {
                // Only runs waiting for a stage 1 that will never finish remain.
                for run in pending { failures.append("\(run.name) (skipped: its stage 1 did not finish)") }
                break
            }
            Thread.sleep(forTimeInterval: 1)
            sampleLoad()
            for (index, entry) in running.enumerated().reversed() where !entry.process.isRunning {
                running.remove(at: index)
                children.remove(entry.process)
                let seconds = Date().timeIntervalSince(entry.start)
                do {
                    guard entry.process.terminationStatus == 0, entry.process.terminationReason == .exit else {
                        throw BenchmarkError("ltdet train exited with \(entry.process.terminationReason == .exit ? "status" : "signal") \(entry.process.terminationStatus)")
                    }
                    let result = try collect(entry.run, seconds: seconds)
                    results.append(result)
                    finishedHere.append(seconds)
                    printProgress(result, done: results.count, total: total, finishedHere: finishedHere,
                                  remaining: pending.count + running.count)
                } catch {
                    failures.append("\(entry.run.name): \(error) (log \(logFile(entry.run).path))")
                    failedMethods[entry.run.seed, default: []].insert(entry.run.method.name)
                    say("FAILED \(entry.run.name): \(error); log \(logFile(entry.run).path)")
                }
                try writeReport(results: results, failures: failures, to: reportPath)
            }
        }
        try writeReport(results: results, failures: failures, to: reportPath)
        say(String(format: "benchmark finished in %.1f min: %d of %d runs done; report %@",
                     Date().timeIntervalSince(started) / 60, results.count, total, reportPath))
        if !failures.isEmpty { throw BenchmarkError("\(failures.count) runs failed or were skipped: \(failures.joined(separator: "; "))") }
    }

    /// The report from the runs that finished, without training (the command of a run lives in the JSON only).
    func rewriteReport(reportPath: String) throws {
        guard FileManager.default.fileExists(atPath: plan.out.path) else {
            throw BenchmarkError("--report-only: \(plan.out.path) does not exist: no benchmark ran there")
        }
        let results = try plan.runs.compactMap { try BenchmarkRunResult.read(directory: $0.directory) }
        try writeReport(results: results, failures: [], to: reportPath, trained: false)
        say("\(results.count) of \(plan.runs.count) runs finished; report \(reportPath)")
    }

    func isReady(_ run: LongTailBenchmarkPlan.Run, results: [BenchmarkRunResult]) -> Bool {
        guard let stage1 = run.method.loadFrom else { return true }
        // A stage 1 outside the plan (--methods adds it, so only an earlier benchmark's) must have finished.
        return results.contains { $0.method == stage1 && $0.seed == run.seed }
            || (try? BenchmarkRunResult.read(directory: plan.directory(method: stage1, seed: run.seed))) != nil
    }

    func logFile(_ run: LongTailBenchmarkPlan.Run) -> URL {
        plan.logs.appendingPathComponent("\(run.method.name)_seed\(run.seed).log")
    }

    /// `ltdet train` for the run: resumed from its newest checkpoint when it has one, else afresh (replacing the
    /// files of an attempt killed before its first checkpoint).
    func start(_ run: LongTailBenchmarkPlan.Run, threads: String) throws -> Process {
        let fm = FileManager.default
        var arguments = ["train", run.config, "--work-dir", run.directory.path, "--set"] + plan.overrides(for: run)
        if Checkpoint.latest(in: run.directory) != nil {
            arguments.append("--resume")
        } else if fm.fileExists(atPath: run.directory.path) {
            arguments.append("--overwrite")
        }
        let log = logFile(run)
        if !fm.fileExists(atPath: log.path) { _ = fm.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        handle.write(Data("\n== \(ISO8601DateFormatter().string(from: Date())) ltdet \(arguments.joined(separator: " "))\n".utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LTDET_NUM_THREADS"] = threads
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// The run's final metrics from its log.jsonl; a run killed during its final evaluation has its last
    /// checkpoint and no evaluation, so it is evaluated here. Then the record that marks it done.
    func collect(_ run: LongTailBenchmarkPlan.Run, seconds: Double) throws -> BenchmarkRunResult {
        let config = try ExperimentConfig.load(run.config, overrides: plan.overrides(for: run))
        var metrics = try BenchmarkRunResult.lastEvaluation(log: run.directory.appendingPathComponent("log.jsonl"))
            .flatMap { $0.epoch == config.runner.maxEpochs || config.runner.maxIters != nil ? $0.metrics : nil }
        if metrics == nil {
            guard let checkpoint = Checkpoint.latest(in: run.directory) else {
                throw BenchmarkError("\(run.directory.path) has neither an evaluation nor a checkpoint")
            }
            say("\(run.name): trained but not evaluated (killed during the evaluation?): evaluating \(checkpoint.lastPathComponent)")
            Runtime.configureProcess()
            var withDirectory = config
            withDirectory.workDir = run.directory.path
            let experiment = DetectionExperiment(config: withDirectory, workDirectory: run.directory)
            let summaries = try experiment.test(
                checkpoint: checkpoint, iouTypes: try config.evaluation.iouTypes(file: config.file),
                resultsFile: run.directory.appendingPathComponent("benchmark.results.json"))
            var values: [String: Double] = [:]
            for (type, summary) in summaries { for (k, v) in summary.metrics { values["\(type.rawValue)_\(k)"] = v } }
            metrics = values
        }
        let result = BenchmarkRunResult(method: run.method.name, seed: run.seed, metrics: metrics!, seconds: seconds)
        try result.write(directory: run.directory)
        return result
    }

    func sampleLoad() {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
              let first = text.split(separator: " ").first, let value = Double(first) else { return }
        loadSamples.append(value)
    }

    func printProgress(_ result: BenchmarkRunResult, done: Int, total: Int, finishedHere: [Double], remaining: Int) {
        func m(_ key: String) -> String { result.metrics[key].flatMap { $0 >= 0 ? String(format: "%.1f", 100 * $0) : nil } ?? "-" }
        let elapsed = Date().timeIntervalSince(started)
        // Runs finish `jobs` at a time: the rate is this invocation's finished runs over its wall time.
        let rate = Double(finishedHere.count) / max(elapsed, 1)
        let eta = Double(remaining) / rate
        let clock = DateFormatter()
        clock.dateFormat = "HH:mm"
        clock.timeZone = TimeZone(identifier: "UTC")
        say(String(format: "[%d/%d] %@ in %.1f min: box AP %@ APr %@ APc %@ APf %@ | mask AP %@ APr %@; %.1f runs/h, %d to go, ETA %.0f min (%@ UTC)",
                     done, total, "\(result.method) seed \(result.seed)", result.seconds / 60,
                     m("bbox_AP"), m("bbox_APr"), m("bbox_APc"), m("bbox_APf"), m("segm_AP"), m("segm_APr"),
                     rate * 3600, remaining, eta / 60, clock.string(from: Date().addingTimeInterval(eta))))
    }

    func writeReport(results: [BenchmarkRunResult], failures: [String], to reportPath: String, trained: Bool = true) throws {
        let report = LongTailBenchmarkReport(spec: plan.spec, methods: plan.methods, results: results)
        let reportURL = URL(fileURLWithPath: reportPath)
        let stem = reportURL.deletingPathExtension().lastPathComponent
        let imagesRelative = "images/\(stem)"
        let images = reportURL.deletingLastPathComponent().appendingPathComponent(imagesRelative)
        var plots: [(group: String, files: [String])] = []
        for group in plan.spec.plots {
            // A group is drawn once every method in it has a finished run (none when --methods left one out).
            let names = group.methods
            let runs = try names.compactMap { name -> FrequencyComparison.Run? in
                let tables = try results.filter { $0.method == name }.sorted { $0.seed < $1.seed }.map {
                    try CategoryResultsTable.read(csvFile: plan.directory(method: name, seed: $0.seed)
                        .appendingPathComponent(PerClassReport.stem + ".csv").path)
                }
                guard !tables.isEmpty else { return nil }
                return FrequencyComparison.Run(name: report.row(name)?.method.label ?? name, table: try SeedAveragedTable.average(tables))
            }
            guard runs.count == names.count, !runs.isEmpty else { continue }
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            var files: [String] = []
            for type in [IoUType.bbox, .segm] where runs.allSatisfy({ $0.table.iouTypes.contains(type) }) {
                let scatter = "\(group.name)_ap_vs_frequency_\(type.rawValue).png"
                try FrequencyComparison.apVersusFrequency(runs, iouType: type)
                    .write(to: images.appendingPathComponent(scatter).path, width: 900, height: 560)
                let bars = "\(group.name)_group_ap_\(type.rawValue).png"
                try FrequencyComparison.groupBars(runs, iouType: type)
                    .write(to: images.appendingPathComponent(bars).path, width: 800, height: 480)
                files += ["\(imagesRelative)/\(scatter)", "\(imagesRelative)/\(bars)"]
            }
            plots.append((group.name, files))
        }
        let loads = loadSamples.isEmpty ? "not sampled"
            : String(format: "%.1f to %.1f (median %.1f)", loadSamples.min()!, loadSamples.max()!, loadSamples.sorted()[loadSamples.count / 2])
        let context = LongTailBenchmarkReport.Context(
            command: command, quick: quick, set: plan.set, setSummary: (try? plan.setSummary()) ?? "(not generated)",
            seedsRequested: plan.seeds, jobs: jobs, wallSeconds: trained ? Date().timeIntervalSince(started) : nil, started: started,
            loadAverages: loads, plots: plots, failures: failures)
        try FileManager.default.createDirectory(at: reportURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(report.markdown(context), to: reportPath)
        try AtomicFile.write(try report.json(context), to: reportURL.deletingPathExtension().appendingPathExtension("json"))
    }
}
