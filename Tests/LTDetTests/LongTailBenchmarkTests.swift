import Foundation
import LVISKit
import Testing

@testable import LTDet
import TestSupport

/// `ltdet benchmark longtail` without training: the shipped spec and its configs, method selection, the run
/// records, the seeds' statistics and the claim verdicts, the seed-averaged per-class tables.
@Suite struct LongTailBenchmarkTests {
    static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs/benchmark")
    static let specPath = configs.appendingPathComponent("longtail.yaml").path

    /// Every row's config resolves with the overrides the benchmark gives it, on the base's model and schedule.
    @Test func shippedSpecResolvesEveryRow() throws {
        let spec = try LongTailBenchmarkSpec.load(Self.specPath)
        let plan = LongTailBenchmarkPlan(spec: spec, specDirectory: Self.configs, methods: spec.methods, seeds: 2,
                                         set: spec.set, out: URL(fileURLWithPath: "/tmp/ltbench-plan"))
        #expect(plan.runs.count == 2 * spec.methods.count)
        let base = try ExperimentConfig.load(Self.configs.appendingPathComponent("longtail_base.yaml").path)
        for run in plan.runs {
            let config = try ExperimentConfig.load(run.config, overrides: plan.overrides(for: run))
            let loss = try config.model.roiHead.bboxHead.makeClassificationLoss(numClasses: config.model.numClasses)
            #expect(loss.numClasses == spec.set.classes)
            #expect(config.seed == UInt64(run.seed))
            #expect(config.data.train.annFile == plan.trainAnnotations)
            // Same model and pipeline everywhere; only LOCE's stage 2 has its own (shorter) schedule.
            #expect(config.modelPreset == base.modelPreset && config.data.samplesPerGPU == base.data.samplesPerGPU)
            if run.method.loadFrom == nil { #expect(config.runner.maxEpochs == base.runner.maxEpochs) }
        }
        let loce = try #require(plan.runs.first { $0.method.name == "loce" && $0.seed == 1 })
        #expect(plan.overrides(for: loce).contains("load_from=\(plan.directory(method: "softmax", seed: 1).path)"))
        let rio = try #require(plan.runs.first { $0.method.name == "rio" })
        #expect(plan.overrides(for: rio).contains { $0.contains("ann_file: '\(plan.trainAnnotations)'") })
    }

    @Test func selectionAddsStageOneAndRejectsUnknownNames() throws {
        let spec = try LongTailBenchmarkSpec.load(Self.specPath)
        let (methods, added) = try spec.selectMethods(["loce", "rfs_ceil"])
        #expect(methods.map(\.name) == ["softmax", "rfs_ceil", "loce"] && added == ["softmax"])
        #expect(try spec.selectMethods([]).methods.count == spec.methods.count)
        #expect {
            try spec.selectMethods(["softmax", "focal"])
        } throws: { "\($0)".contains("unknown method 'focal'") && "\($0)".contains("rfs_ceil") }
    }

    @Test func badSpecsAreRefusedNamingTheKey() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let head = """
            set: {classes: 3, train_images: 4, val_images: 2, image_size: 64, classes_per_image: 2.5, seed: 0}
            quick_set: {classes: 3, train_images: 4, val_images: 2, image_size: 64, classes_per_image: 2.5, seed: 0}
            plots: []

            """
        let cases: [(String, String)] = [
            ("seeds: 0\nquick_seeds: 1\nmethods: []\nclaims: []\n", "'seeds'"),
            ("seeds: 1\nquick_seeds: 1\nmethods: [{name: a, label: A, config: a.yaml}, {name: a, label: B, config: b.yaml}]\nclaims: []\n",
             "'methods[1].name': 'a' is given twice"),
            ("seeds: 1\nquick_seeds: 1\nmethods: [{name: b, label: B, config: b.yaml, load_from: a}, {name: a, label: A, config: a.yaml}]\nclaims: []\n",
             "'methods[0].load_from'"),
            ("seeds: 1\nquick_seeds: 1\nmethods: [{name: a, label: A, config: a.yaml}]\nclaims: [{text: t, method: z, baseline: a}]\n",
             "names no method 'z'"),
        ]
        for (index, (body, expected)) in cases.enumerated() {
            let path = directory.appendingPathComponent("spec\(index).yaml").path
            try (head + body).write(toFile: path, atomically: true, encoding: .utf8)
            #expect {
                try LongTailBenchmarkSpec.load(path)
            } throws: { "\($0)".contains(path) && "\($0)".contains(expected) }
        }
    }

    /// The record marking a run done round-trips; the final metrics come from the log the trainer writes.
    @Test func runRecordsAndTheLastEvaluation() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try BenchmarkRunResult.read(directory: directory) == nil)
        let log = JSONLinesLog(url: directory.appendingPathComponent("log.jsonl"))
        try log.append(mode: "train", epoch: 1, iteration: 10, values: ["loss": 2.5])
        try log.append(mode: "val", epoch: 2, iteration: 20, values: ["bbox_AP": 0.25, "bbox_APr": 0.0])
        try log.append(mode: "val", epoch: 4, iteration: 40, values: ["bbox_AP": 0.5, "segm_APr": 0.125])
        let last = try #require(try BenchmarkRunResult.lastEvaluation(log: directory.appendingPathComponent("log.jsonl")))
        #expect(last.epoch == 4 && last.metrics == ["bbox_AP": 0.5, "segm_APr": 0.125])
        let result = BenchmarkRunResult(method: "softmax", seed: 1, metrics: last.metrics, seconds: 12)
        try result.write(directory: directory)
        #expect(try BenchmarkRunResult.read(directory: directory) == result)
        try Data("{".utf8).write(to: directory.appendingPathComponent(BenchmarkRunResult.fileName))
        #expect { try BenchmarkRunResult.read(directory: directory) } throws: { "\($0)".contains("delete it to rerun") }
    }

    /// Verdicts: a lift well beyond both rows' spread reproduces, the same lift reversed is contradicted, a lift
    /// inside the spread is not separated, one seed gives no verdict; LVIS's -1 never enters a mean.
    @Test func claimVerdictsFollowTheSpread() throws {
        let spec = try LongTailBenchmarkSpec.load(Self.specPath)
        func results(_ method: String, _ values: [Double]) -> [BenchmarkRunResult] {
            values.enumerated().map { BenchmarkRunResult(method: method, seed: $0, metrics: ["bbox_APr": $1, "segm_APr": -1], seconds: 1) }
        }
        let methods = ["softmax", "rfs_ceil", "rfs_stochastic", "seesaw_random"].compactMap(spec.method(named:))
        let report = LongTailBenchmarkReport(spec: spec, methods: methods, results:
            results("softmax", [0.01, 0.02, 0.03]) + results("rfs_ceil", [0.20, 0.22, 0.24])
                + results("rfs_stochastic", [0.0, 0.05, 0.01]) + results("seesaw_random", [0.3]))
        let softmax = try #require(report.row("softmax")?.metrics["bbox_APr"])
        #expect(abs(softmax.mean - 0.02) < 1e-12 && abs(softmax.sd! - 0.01) < 1e-12)
        #expect(report.row("softmax")?.metrics["segm_APr"] == nil)
        let outcomes = Dictionary(uniqueKeysWithValues: report.claimOutcomes(metric: "bbox_APr").map { ($0.text, $0) })
        func verdict(_ prefix: String) -> LongTailBenchmarkReport.Verdict? { outcomes.first { $0.key.hasPrefix(prefix) }?.value.verdict }
        #expect(verdict("softmax starves") == .reproduces)
        #expect(verdict("RFS (ceil) lifts") == .reproduces)
        #expect(verdict("RFS (stochastic) lifts") == .notSeparated)
        #expect(verdict("Seesaw (random sampling)") == .oneSeed)
        #expect(verdict("EQL v2 lifts") == .notRun)
        let reversed = LongTailBenchmarkReport(spec: spec, methods: methods, results:
            results("softmax", [0.20, 0.22, 0.24]) + results("rfs_ceil", [0.01, 0.02, 0.03]))
        #expect(reversed.claimOutcomes(metric: "bbox_APr").first { $0.text.hasPrefix("RFS (ceil)") }?.verdict == .contradicted)
        #expect(reversed.claimOutcomes(metric: "bbox_APr").first { $0.text.hasPrefix("softmax starves") }?.verdict == .contradicted)
    }

    /// The report has a row per method with mean ± sd in percent, says how many runs finished, and its JSON
    /// carries the same numbers.
    @Test func reportTableAndJSON() throws {
        let spec = try LongTailBenchmarkSpec.load(Self.specPath)
        let methods = ["softmax", "rfs_ceil"].compactMap(spec.method(named:))
        let results = [0.25, 0.75].enumerated().map {
            BenchmarkRunResult(method: "softmax", seed: $0, metrics: ["bbox_AP": $1], seconds: 60)
        }
        let report = LongTailBenchmarkReport(spec: spec, methods: methods, results: results)
        let context = LongTailBenchmarkReport.Context(
            command: "ltdet benchmark longtail", quick: false, set: spec.set, setSummary: "s", seedsRequested: 2,
            jobs: 1, wallSeconds: 120, started: Date(), loadAverages: "1.0", plots: [], failures: ["rfs_ceil seed 0: boom"])
        let text = report.markdown(context)
        // Sample standard deviation of 0.25 and 0.75: sqrt((0.25^2 + 0.25^2) / (2 - 1)), in percent.
        let sd = 100 * ((0.25 * 0.25 + 0.25 * 0.25) / 1).squareRoot()
        #expect(text.contains(String(format: "| softmax | 2 | 50.0 ± %.1f | - |", sd)))
        #expect(text.contains("| RFS (ceil) | 0 | - |"))
        #expect(text.contains("2 of 4 finished") && text.contains("incomplete") && text.contains("rfs_ceil seed 0: boom"))
        // Each claim's note of the spec is printed under the claims' table, after the claim it belongs to.
        let noted = try #require(spec.claims.first { $0.note != nil })
        #expect(text.contains("What was investigated") && text.contains("- *\(noted.text)*: \(noted.note!)"))
        let json = try #require(try JSONSerialization.jsonObject(with: report.json(context)) as? [String: Any])
        let rows = try #require(json["methods"] as? [[String: Any]])
        let softmax = try #require((rows.first?["metrics"] as? [String: Any])?["bbox_AP"] as? [String: Any])
        #expect(softmax["mean"] as? Double == 0.5 && softmax["values"] as? [Double] == [0.25, 0.75])
    }

    @Test func seedAveragedTableMeansEachClassAndKeepsMissingClassesMissing() throws {
        func table(_ ap: [Double]) -> CategoryResultsTable {
            CategoryResultsTable(iouTypes: [.bbox], rows: ap.enumerated().map { index, value in
                .init(id: index + 1, name: "c\(index)", frequency: .rare, trainImages: 1, trainInstances: 1,
                      ap: [.bbox: value], ar: [.bbox: value])
            })
        }
        let averaged = try SeedAveragedTable.average([table([0.5, -1, 0.25]), table([0.25, 0.5, 0.75])])
        #expect(averaged.rows.map { $0.ap[.bbox]! } == [0.375, -1, 0.5])
        var other = table([0.5])
        other.rows[0].id = 9
        #expect { try SeedAveragedTable.average([table([0.5]), other]) } throws: { "\($0)".contains("different classes") }
    }
}
