import ArgumentParser
import AtomicFileIO
import Foundation
import LTDet
import LVISKit
import Torch

/// The long-tail benchmark (issue 18): every method on one synthetic LVIS-profile set, seeds side by side.
struct LongTailBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "longtail",
        abstract: "Train and evaluate every long-tail method on one synthetic LVIS-profile set; write the report.",
        discussion: """
            Generates the set of the spec (configs/benchmark/longtail.yaml) into OUT/data, trains each method \
            (its config in configs/benchmark/, over the one base config) once per seed with `ltdet train` in \
            OUT/runs/METHOD/seedS (console output in OUT/logs/), and writes the report (mean ± standard deviation \
            over seeds of box and mask AP, APr, APc, APf; the seeds' claims judged; `ltdet compare` plots) and \
            its JSON. The report is rewritten after every finished run. A killed benchmark resumes: finished runs \
            (OUT/runs/METHOD/seedS/benchmark_run.json) are skipped, an interrupted run continues its newest \
            checkpoint. --quick runs the spec's smaller set with its fewer seeds.
            """)

    @Flag(help: "The spec's quick variant: a smaller set and fewer seeds (a smoke run, not evidence).") var quick = false
    @Option(help: "Seeds per method (default: the spec's seeds, or quick_seeds with --quick).") var seeds: Int?
    @Option(help: "Comma-separated method names (default: every method of the spec).") var methods: String?
    @Option(help: "Output directory (default work_dirs/benchmark_longtail, or ..._quick with --quick).") var out: String?
    // One run per core by default: these small models keep one core busier than two (measured on the quick
    // set: two runs of one thread each train 1.6x the steps per second of one run with two threads).
    @Option(help: "Runs trained at the same time, the cores shared among them (default: one per core).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "The benchmark spec.") var spec = "configs/benchmark/longtail.yaml"
    @Option(help: "The report (default docs/longtail-benchmark.md, or OUT/longtail-benchmark.md with --quick); the JSON and the plots go beside it.")
    var report: String?
    @Flag(help: "Check the spec, the configs and the arguments, print the runs, and stop.") var dryRun = false
    @Flag(help: "Rewrite the report from the finished runs in OUT, without training.") var reportOnly = false

    func validate() throws {
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let methods, methodNames(methods).isEmpty { throw ValidationError("--methods names no method: '\(methods)'") }
        if let report, !report.hasSuffix(".md") { throw ValidationError("--report must be a .md file, got '\(report)'") }
        if dryRun && reportOnly { throw ValidationError("--dry-run and --report-only exclude each other") }
    }

    func methodNames(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        Runtime.relaunchWithPassiveOpenMPWaiting()
        let spec = try LongTailBenchmarkSpec.load(self.spec)
        let specDirectory = URL(fileURLWithPath: self.spec).deletingLastPathComponent()
        let (selected, added) = try spec.selectMethods(methods.map(methodNames) ?? [])
        if !added.isEmpty { say("added \(added.joined(separator: ", ")): the stage 1 of a selected method") }
        let seedCount = seeds ?? (quick ? spec.quickSeeds : spec.seeds)
        let set = quick ? spec.quickSet : spec.set
        let outDirectory = URL(fileURLWithPath: out ?? (quick ? "work_dirs/benchmark_longtail_quick" : "work_dirs/benchmark_longtail"))
        let reportPath = report ?? (quick ? outDirectory.appendingPathComponent("longtail-benchmark.md").path : "docs/longtail-benchmark.md")
        for method in selected {
            let config = specDirectory.appendingPathComponent(method.config).path
            guard FileManager.default.fileExists(atPath: config) else {
                throw BenchmarkError("\(self.spec): method '\(method.name)': config '\(config)' does not exist")
            }
        }
        let plan = LongTailBenchmarkPlan(
            spec: spec, specDirectory: specDirectory, methods: selected, seeds: seedCount, set: set, out: outDirectory)
        // Every config must resolve with the benchmark's overrides before hours of training start.
        for run in plan.runs { _ = try ExperimentConfig.load(run.config, overrides: plan.overrides(for: run)) }
        if dryRun {
            say("\(plan.runs.count) runs (\(selected.count) methods x \(seedCount) seeds) in \(outDirectory.path); report \(reportPath)")
            for run in plan.runs {
                say("  \(run.method.name) seed \(run.seed): ltdet train \(run.config) --work-dir \(run.directory.path)")
            }
            return
        }
        let executor = LongTailBenchmarkExecutor(plan: plan, jobs: jobs, command: commandLine(), quick: quick)
        if reportOnly {
            try executor.rewriteReport(reportPath: reportPath)
            return
        }
        if let generated = try plan.prepareData() { say(generated) }
        try executor.run(reportPath: reportPath)
    }

    /// The command that runs this benchmark, for the report: as typed, the executable as `ltdet`, without
    /// --report-only.
    func commandLine() -> String {
        (["ltdet"] + CommandLine.arguments.dropFirst().filter { $0 != "--report-only" }).map { argument in
            argument.contains(" ") ? "'\(argument)'" : argument
        }.joined(separator: " ")
    }
}
