import AtomicFileIO
import Foundation
import LVISKit

/// The runs of one benchmark output directory: the generated set in OUT/data, one work directory per method and
/// seed in OUT/runs/METHOD/seedS, and the `ltdet train` arguments of each.
public struct LongTailBenchmarkPlan: Sendable {
    public struct Run: Sendable {
        public var method: LongTailBenchmarkSpec.Method
        public var seed: Int
        public var config: String
        public var directory: URL
        public var name: String { "\(method.name) seed \(seed)" }
    }

    public let spec: LongTailBenchmarkSpec
    public let methods: [LongTailBenchmarkSpec.Method]
    public let seeds: Int
    public let set: LongTailBenchmarkSpec.SetParameters
    public let out: URL
    /// Seed-major: every method of seed 0 first, so that an interrupted benchmark has whole seeds to report.
    public let runs: [Run]

    public var data: URL { out.appendingPathComponent("data") }
    public var trainAnnotations: String { data.appendingPathComponent("annotations/train.json").path }
    public var valAnnotations: String { data.appendingPathComponent("annotations/val.json").path }
    public var logs: URL { out.appendingPathComponent("logs") }

    public init(spec: LongTailBenchmarkSpec, specDirectory: URL, methods: [LongTailBenchmarkSpec.Method], seeds: Int,
                set: LongTailBenchmarkSpec.SetParameters, out: URL) {
        self.spec = spec
        self.methods = methods
        self.seeds = seeds
        self.set = set
        self.out = out
        runs = (0..<seeds).flatMap { seed in
            methods.map { method in
                Run(method: method, seed: seed, config: specDirectory.appendingPathComponent(method.config).path,
                    directory: out.appendingPathComponent("runs/\(method.name)/seed\(seed)"))
            }
        }
    }

    public func directory(method: String, seed: Int) -> URL { out.appendingPathComponent("runs/\(method)/seed\(seed)") }

    /// The `--set` overrides of a run: the generated data, the set's class count, the seed, stage 1's work
    /// directory for a method that continues one, and the method's own (with `{train_ann}` filled in).
    public func overrides(for run: Run) -> [String] {
        var overrides = [
            "data.train.ann_file=\(trainAnnotations)", "data.train.img_prefix=\(data.appendingPathComponent("images").path)",
            "data.val.ann_file=\(valAnnotations)", "data.val.img_prefix=\(data.appendingPathComponent("images").path)",
            "model.num_classes=\(set.classes)", "seed=\(run.seed)",
        ]
        if let stage1 = run.method.loadFrom { overrides.append("load_from=\(directory(method: stage1, seed: run.seed).path)") }
        overrides += (run.method.set ?? []).map { $0.replacingOccurrences(of: "{train_ann}", with: trainAnnotations) }
        return overrides
    }

    /// Generates the set unless OUT/data holds it already. OUT records its set parameters
    /// (OUT/benchmark_set.json): an OUT of another set is refused rather than mixed with it. The set is written to
    /// OUT/data.partial and renamed, so a kill during generation leaves no half set behind. Returns a line about
    /// the set when it generated one.
    public func prepareData() throws -> String? {
        let record = out.appendingPathComponent("benchmark_set.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let encoded = try encoder.encode(set)
        if FileManager.default.fileExists(atPath: record.path) {
            let recorded = try? JSONDecoder().decode(LongTailBenchmarkSpec.SetParameters.self, from: Data(contentsOf: record))
            guard recorded == set else {
                throw BenchmarkError("\(record.path): this output directory holds a benchmark of another set " +
                                     "(\(String(decoding: (try? Data(contentsOf: record)) ?? Data(), as: UTF8.self))); " +
                                     "give another --out")
            }
        } else {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try AtomicFile.write(encoded, to: record)
        }
        guard !FileManager.default.fileExists(atPath: trainAnnotations) || !FileManager.default.fileExists(atPath: valAnnotations) else { return nil }
        let partial = out.appendingPathComponent("data.partial")
        try? FileManager.default.removeItem(at: partial)
        try? FileManager.default.removeItem(at: data)
        var configuration = SyntheticDatasetGenerator.Configuration(
            classes: set.classes, trainImages: set.trainImages, valImages: set.valImages, imageSize: set.imageSize,
            seed: set.seed)
        configuration.imageFormat = .jpeg
        configuration.classesPerImage = set.classesPerImage
        let start = Date()
        _ = try SyntheticDatasetGenerator(configuration).write(to: partial.path)
        try FileManager.default.moveItem(at: partial, to: data)
        return String(format: "generated the set in %.0f s: %@", Date().timeIntervalSince(start), try setSummary())
    }

    /// "30 classes (r 8, c 12, f 10); 400 training images with 1012 instances (rare 20); 120 validation images
    /// with 300 instances (rare 60)".
    public func setSummary() throws -> String {
        let train = try LVISDataset.load(path: trainAnnotations)
        let val = try LVISDataset.load(path: valAnnotations)
        let statistics = DatasetStatistics(groundTruth: train, rfsThreshold: 0.001)
        func groups(_ key: String) -> Int { statistics.groups[key]?.categories ?? 0 }
        let rare = Set(statistics.classes.filter { $0.frequency == .rare }.map(\.id))
        let valRare = val.annotations.filter { rare.contains($0.categoryId) }.count
        return "\(statistics.categories) classes (r \(groups("r")), c \(groups("c")), f \(groups("f"))); " +
            "\(statistics.images) training images with \(statistics.instances) instances " +
            "(rare classes \(statistics.groups["r"]?.instances ?? 0)); \(val.images.count) validation images with " +
            "\(val.annotations.count) instances (rare classes \(valRare))"
    }
}
