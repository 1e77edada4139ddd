import Foundation
import Yams

/// What `ltdet benchmark longtail` runs (configs/benchmark/longtail.yaml): the synthetic set's parameters (full
/// and quick), the number of seeds, the method rows (each a config over the one shared base), the claims the
/// report judges and the comparison plots.
public struct LongTailBenchmarkSpec: Codable, Sendable, Equatable {
    /// `ltdet synth`'s parameters.
    public struct SetParameters: Codable, Sendable, Equatable {
        public var classes: Int
        public var trainImages: Int
        public var valImages: Int
        public var imageSize: Int
        public var classesPerImage: Double
        public var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case classes, seed
            case trainImages = "train_images", valImages = "val_images", imageSize = "image_size"
            case classesPerImage = "classes_per_image"
        }
    }

    public struct Method: Codable, Sendable, Equatable {
        /// The name on the command line (--methods) and of the run directories.
        public var name: String
        /// The row's name in the report.
        public var label: String
        /// The experiment config, relative to the spec file.
        public var config: String
        /// A method whose run of the same seed this one continues (`load_from`): LOCE's stage 2 after stage 1.
        public var loadFrom: String?
        /// Overrides given to `ltdet train --set`; `{train_ann}` stands for the generated training annotations.
        public var set: [String]?

        enum CodingKeys: String, CodingKey {
            case name, label, config, set
            case loadFrom = "load_from"
        }
    }

    /// One claim of the seeds' papers: `method` beats `baseline` on APr, or (`near_zero`) `method`'s APr stays
    /// at most that value. `note`: what was investigated about it (printed under the claims' table).
    public struct Claim: Codable, Sendable, Equatable {
        public var text: String
        public var method: String
        public var baseline: String?
        public var nearZero: Double?
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case text, method, baseline, note
            case nearZero = "near_zero"
        }
    }

    /// One set of `ltdet compare` plots over a few methods (a plot of every row would be unreadable).
    public struct PlotGroup: Codable, Sendable, Equatable {
        public var name: String
        public var methods: [String]
    }

    public var set: SetParameters
    public var quickSet: SetParameters
    public var seeds: Int
    public var quickSeeds: Int
    public var methods: [Method]
    public var claims: [Claim]
    public var plots: [PlotGroup]

    enum CodingKeys: String, CodingKey {
        case set, seeds, methods, claims, plots
        case quickSet = "quick_set", quickSeeds = "quick_seeds"
    }

    /// Reads and checks a spec; method configs are resolved relative to the spec's directory.
    public static func load(_ path: String) throws -> LongTailBenchmarkSpec {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, key: "", "cannot read the benchmark spec: \(error.localizedDescription)")
        }
        let spec: LongTailBenchmarkSpec
        do { spec = try YAMLDecoder().decode(LongTailBenchmarkSpec.self, from: text) } catch {
            throw ConfigError(file: path, key: "", "not a benchmark spec: \(error)")
        }
        try spec.validate(file: path)
        return spec
    }

    public func method(named name: String) -> Method? { methods.first { $0.name == name } }

    func validate(file: String) throws {
        for (key, parameters) in [("set", set), ("quick_set", quickSet)] {
            guard parameters.classes >= 1, parameters.trainImages >= 1, parameters.valImages >= 1,
                  (64 ... 4096).contains(parameters.imageSize), parameters.classesPerImage > 0
            else { throw ConfigError(file: file, key: key, "needs classes, train_images, val_images >= 1, image_size in 64...4096, classes_per_image > 0") }
        }
        guard seeds >= 1 else { throw ConfigError(file: file, key: "seeds", "must be at least 1, got \(seeds)") }
        guard quickSeeds >= 1 else { throw ConfigError(file: file, key: "quick_seeds", "must be at least 1, got \(quickSeeds)") }
        var seen = Set<String>()
        for (index, method) in methods.enumerated() {
            let key = "methods[\(index)]"
            guard !method.name.isEmpty, method.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigError(file: file, key: "\(key).name", "must be letters, digits and _, got '\(method.name)'")
            }
            guard seen.insert(method.name).inserted else {
                throw ConfigError(file: file, key: "\(key).name", "'\(method.name)' is given twice")
            }
            // Stage 1 runs first: it must be an earlier row.
            if let stage1 = method.loadFrom, !seen.contains(stage1) || stage1 == method.name {
                throw ConfigError(file: file, key: "\(key).load_from", "'\(stage1)' is not an earlier method")
            }
        }
        for (index, claim) in claims.enumerated() {
            for name in [claim.method] + (claim.baseline.map { [$0] } ?? []) where method(named: name) == nil {
                throw ConfigError(file: file, key: "claims[\(index)]", "names no method '\(name)'")
            }
            guard (claim.baseline == nil) != (claim.nearZero == nil) else {
                throw ConfigError(file: file, key: "claims[\(index)]", "give either baseline or near_zero")
            }
        }
        for (index, plot) in plots.enumerated() {
            for name in plot.methods where method(named: name) == nil {
                throw ConfigError(file: file, key: "plots[\(index)].methods", "names no method '\(name)'")
            }
        }
    }

    /// The methods to run for a --methods selection (every method when empty), in spec order, with the stage-1
    /// methods that selected ones continue added; an unknown name is an error listing the known ones.
    public func selectMethods(_ names: [String]) throws -> (methods: [Method], added: [String]) {
        guard !names.isEmpty else { return (methods, []) }
        var wanted = Set<String>()
        for name in names {
            guard method(named: name) != nil else {
                throw BenchmarkError("--methods: unknown method '\(name)'; known: \(methods.map(\.name).joined(separator: ", "))")
            }
            wanted.insert(name)
        }
        var added: [String] = []
        // Dependencies are earlier rows, so one pass from the end closes the set.
        for method in methods.reversed() where wanted.contains(method.name) {
            if let stage1 = method.loadFrom, wanted.insert(stage1).inserted { added.append(stage1) }
        }
        return (methods.filter { wanted.contains($0.name) }, added)
    }
}

/// A benchmark problem stated for the user (bad arguments, a run that failed, an output directory of another set).
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
