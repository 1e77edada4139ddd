import Foundation

/// The benchmark's results over seeds (mean and spread per method and metric), the claims judged on them, and
/// the report (docs/longtail-benchmark.md) and JSON written from them.
public struct LongTailBenchmarkReport: Sendable {
    /// A metric over seeds: mean and sample standard deviation (nil with one seed).
    public struct Spread: Codable, Sendable, Equatable {
        public var mean: Double
        public var sd: Double?
        public var values: [Double]

        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let mean = values.reduce(0, +) / Double(values.count)
            self.mean = mean
            self.values = values
            sd = values.count < 2 ? nil
                : (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        }
    }

    public struct Row: Sendable {
        public var method: LongTailBenchmarkSpec.Method
        public var seeds: [Int]
        public var metrics: [String: Spread]
        public var seconds: Spread?
    }

    public enum Verdict: String, Codable, Sendable {
        case reproduces
        case notSeparated = "not separated"
        case contradicted = "contradicted"
        case oneSeed = "one seed only"
        case notRun = "not run"
    }

    public struct ClaimOutcome: Codable, Sendable, Equatable {
        public var text: String
        public var metric: String
        /// method minus baseline, or the method's value for a near-zero claim.
        public var value: Double?
        /// The seeds' spread the value is judged against: sd(method) + sd(baseline), or sd(method).
        public var spread: Double?
        public var verdict: Verdict
    }

    /// What the report says about the run beyond its numbers.
    public struct Context: Sendable {
        public var command: String
        public var quick: Bool
        public var set: LongTailBenchmarkSpec.SetParameters
        /// "30 classes (r 8, c 12, f 10), 1012 training instances", from the generated set.
        public var setSummary: String
        public var seedsRequested: Int
        public var jobs: Int
        /// Wall time of the invocation that trained; nil when it only rewrote the report.
        public var wallSeconds: Double?
        public var started: Date
        public var loadAverages: String
        /// Plot files, relative to the report.
        public var plots: [(group: String, files: [String])]
        public var failures: [String]

        public init(command: String, quick: Bool, set: LongTailBenchmarkSpec.SetParameters, setSummary: String,
                    seedsRequested: Int, jobs: Int, wallSeconds: Double?, started: Date, loadAverages: String,
                    plots: [(group: String, files: [String])], failures: [String]) {
            self.command = command
            self.quick = quick
            self.set = set
            self.setSummary = setSummary
            self.seedsRequested = seedsRequested
            self.jobs = jobs
            self.wallSeconds = wallSeconds
            self.started = started
            self.loadAverages = loadAverages
            self.plots = plots
            self.failures = failures
        }
    }

    public static let metricKeys = ["bbox_AP", "bbox_APr", "bbox_APc", "bbox_APf", "segm_AP", "segm_APr", "segm_APc", "segm_APf"]
    /// The claims are about rare classes: judged on box and mask APr.
    public static let claimMetrics = ["bbox_APr", "segm_APr"]

    public let spec: LongTailBenchmarkSpec
    public let rows: [Row]

    /// Rows for `methods` (in order) from the finished runs; LVIS's -1 (no such category) is left out.
    public init(spec: LongTailBenchmarkSpec, methods: [LongTailBenchmarkSpec.Method], results: [BenchmarkRunResult]) {
        self.spec = spec
        rows = methods.map { method in
            let runs = results.filter { $0.method == method.name }.sorted { $0.seed < $1.seed }
            var metrics: [String: Spread] = [:]
            for key in Self.metricKeys {
                metrics[key] = Spread(runs.compactMap { $0.metrics[key] }.filter { $0 >= 0 && $0.isFinite })
            }
            return Row(method: method, seeds: runs.map(\.seed), metrics: metrics, seconds: Spread(runs.map(\.seconds)))
        }
    }

    public func row(_ name: String) -> Row? { rows.first { $0.method.name == name } }

    /// Each claim on `metric`. Judged only with two or more seeds on each side: "reproduces" when the difference
    /// of means exceeds the sum of the two standard deviations (or, near zero, mean + sd stays at most the bound),
    /// "contradicted" when it is beyond that spread the other way, "not separated" in between.
    public func claimOutcomes(metric: String) -> [ClaimOutcome] {
        spec.claims.map { claim in
            var outcome = ClaimOutcome(text: claim.text, metric: metric, value: nil, spread: nil, verdict: .notRun)
            guard let method = row(claim.method)?.metrics[metric] else { return outcome }
            if let bound = claim.nearZero {
                outcome.value = method.mean
                outcome.spread = method.sd
                guard let sd = method.sd else { outcome.verdict = .oneSeed; return outcome }
                outcome.verdict = method.mean + sd <= bound ? .reproduces : method.mean - sd > bound ? .contradicted : .notSeparated
                return outcome
            }
            guard let baselineName = claim.baseline, let baseline = row(baselineName)?.metrics[metric] else { return outcome }
            let difference = method.mean - baseline.mean
            outcome.value = difference
            guard let a = method.sd, let b = baseline.sd else { outcome.verdict = .oneSeed; return outcome }
            outcome.spread = a + b
            outcome.verdict = difference > a + b ? .reproduces : difference < -(a + b) ? .contradicted : .notSeparated
            return outcome
        }
    }

    static func percent(_ spread: Spread?) -> String {
        guard let spread else { return "-" }
        let mean = String(format: "%.1f", 100 * spread.mean)
        return spread.sd.map { mean + String(format: " ± %.1f", 100 * $0) } ?? mean
    }

    static func minutes(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : String(format: "%.1f min", seconds / 60)
    }

    public func markdown(_ context: Context) -> String {
        let date = ISO8601DateFormatter().string(from: context.started)
        let finished = rows.reduce(0) { $0 + $1.seeds.count }
        let planned = rows.count * context.seedsRequested
        let runSeconds = rows.compactMap { $0.seconds.map { $0.values.reduce(0, +) } }.reduce(0, +)
        let invocation = context.wallSeconds.map { wall in
            "; the last invocation that trained (started \(date), \(context.jobs) job\(context.jobs == 1 ? "" : "s")) " +
                "took \(Self.minutes(wall)), load average \(context.loadAverages) on " +
                "\(ProcessInfo.processInfo.activeProcessorCount) cores"
        } ?? "; report rewritten from the finished runs (--report-only) \(date)"
        var text = """
            # The long-tail benchmark\(context.quick ? " (quick)" : "")

            Every method of LTDet on one synthetic task with LVIS v1's frequency profile, trained from one shared base
            config (`configs/benchmark/longtail_base.yaml`; each method's config in `configs/benchmark/` changes only
            what the method must) and evaluated with LVIS metrics on the same validation set. Written by
            `ltdet benchmark longtail`; the spec (set parameters, seeds, rows, claims) is
            `configs/benchmark/longtail.yaml`.

            - Command: `\(context.command)`
            - Set: `ltdet synth --classes \(context.set.classes) --train-images \(context.set.trainImages) \
            --val-images \(context.set.valImages) --image-size \(context.set.imageSize) --classes-per-image \
            \(context.set.classesPerImage) --seed \(context.set.seed)`: \(context.setSummary)
            - Runs: \(finished) of \(planned) finished (\(rows.count) methods x \(context.seedsRequested) \
            seed\(context.seedsRequested == 1 ? "" : "s"); the \
            training seed varies, the data does not)\(finished < planned ? " — **incomplete**: rerun the command to resume" : "")
            - Time: \(Self.minutes(runSeconds)) of training and evaluation in all (sum over runs; a resumed run \
            counts its last attempt)\(invocation). With other work on the machine the times are upper bounds of a \
            quiet machine's, and not comparable between rows.

            """
        if !context.failures.isEmpty {
            text += "\nFailed runs (see their logs): " + context.failures.joined(separator: "; ") + "\n"
        }
        text += """

            ## Results

            LVIS AP in percent, mean ± sample standard deviation over the seeds that finished.

            | method | seeds | box AP | box APr | box APc | box APf | mask AP | mask APr | mask APc | mask APf | time / run |
            |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|

            """
        for row in rows {
            let cells = Self.metricKeys.map { Self.percent(row.metrics[$0]) }
            let time = row.seconds.map { Self.minutes($0.mean) } ?? "-"
            text += "| \(row.method.label) | \(row.seeds.count) | " + cells.joined(separator: " | ") + " | \(time) |\n"
        }
        text += """

            ## The seeds' claims

            A claim reproduces when the difference of the means is larger than the sum of the two rows' standard
            deviations over seeds (near zero: mean + sd at most the bound); "contradicted" when it is that far the
            other way; "not separated" in between. One seed gives no spread and no verdict. Differences in AP points.

            | claim | box APr: difference | verdict | mask APr: difference | verdict |
            |---|---:|---|---:|---|

            """
        let box = claimOutcomes(metric: "bbox_APr"), mask = claimOutcomes(metric: "segm_APr")
        for (b, m) in zip(box, mask) {
            func cell(_ o: ClaimOutcome) -> String {
                guard let value = o.value else { return "-" }
                let v = String(format: "%+.1f", 100 * value)
                return o.spread.map { v + String(format: " (spread %.1f)", 100 * $0) } ?? v
            }
            text += "| \(b.text) | \(cell(b)) | \(b.verdict.rawValue) | \(cell(m)) | \(m.verdict.rawValue) |\n"
        }
        let notes = spec.claims.compactMap { claim in claim.note.map { "- *\(claim.text)*: \($0)" } }
        if !notes.isEmpty {
            text += "\nWhat was investigated:\n\n" + notes.joined(separator: "\n") + "\n"
        }
        if !context.plots.isEmpty {
            text += "\n## Per-class AP against training frequency\n\n"
            text += "`ltdet compare` on the per-class tables, each class's AP averaged over the seeds.\n"
            for plot in context.plots {
                text += "\n### \(plot.group)\n\n" + plot.files.map { "![\($0)](\($0))" }.joined(separator: "\n") + "\n"
            }
        }
        return text
    }

    public func json(_ context: Context) throws -> Data {
        struct MethodJSON: Encodable {
            var name, label, config: String
            var seeds: [Int]
            var metrics: [String: Spread]
            var seconds: Spread?
        }
        struct ReportJSON: Encodable {
            var command: String
            var quick: Bool
            var started: String
            var wallSeconds: Double?
            var set: LongTailBenchmarkSpec.SetParameters
            var setSummary: String
            var seedsRequested: Int
            var methods: [MethodJSON]
            var claims: [ClaimOutcome]
            var failures: [String]
        }
        let report = ReportJSON(
            command: context.command, quick: context.quick,
            started: ISO8601DateFormatter().string(from: context.started), wallSeconds: context.wallSeconds,
            set: context.set, setSummary: context.setSummary, seedsRequested: context.seedsRequested,
            methods: rows.map {
                MethodJSON(name: $0.method.name, label: $0.method.label, config: $0.method.config, seeds: $0.seeds,
                           metrics: $0.metrics, seconds: $0.seconds)
            },
            claims: Self.claimMetrics.flatMap { claimOutcomes(metric: $0) }, failures: context.failures)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(report)
    }
}
