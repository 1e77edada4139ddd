import ArgumentParser
import Foundation
import LVISKit

extension IoUType: ExpressibleByArgument {}
extension EvaluationStyle: ExpressibleByArgument {}

/// `ltdet eval`: LVIS or COCO evaluation of a results file, equal to lvis-api 0.5.3 / pycocotools 2.0.11.
public struct EvalCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate detection results against COCO/LVIS ground truth (exactly as lvis-api / pycocotools).",
        discussion: """
            Prints the metric table (lvis-api's keys for LVIS: AP, AP50, AP75, APs, APm, APl, APr, APc, APf, \
            AR@300, ARs@300, ARm@300, ARl@300; COCOeval's 12 stats for COCO). With --json, writes \
            {"metrics": {KEY: value}, "per_category": {"<cat id>": AP}}. With --per-class PREFIX, writes the \
            per-category table (name, r/c/f group, training images and instances, AP, AR) sorted by training \
            frequency to PREFIX.csv and PREFIX.md and prints the worst classes of each group; the training counts \
            come from --train-ann, else from the categories' image_count/instance_count fields.
            """)

    @Option(name: .customLong("gt"), help: "Ground-truth JSON (COCO or LVIS format).")
    var groundTruth: String

    @Option(help: "Results JSON: a list of {image_id, category_id, score, bbox, segmentation}.")
    var results: String

    @Option(name: .customLong("iou-type"), help: "bbox or segm.")
    var iouType: IoUType

    @Option(help: "lvis or coco (default: lvis when the ground truth has LVIS fields, else coco).")
    var style: EvaluationStyle?

    @Flag(name: .customLong("fixed-ap"), help: "Fixed AP: no per-image cap, the top 10,000 detections per category.")
    var fixedAP = false

    @Option(name: .customLong("json"), help: "Write metrics and per-category AP to this JSON file.")
    var jsonOutput: String?

    @Option(name: .customLong("dump-precision"), help: "Write the full precision array to this .npy file.")
    var dumpPrecision: String?

    @Option(name: .customLong("dump-recall"), help: "Write the full recall array to this .npy file.")
    var dumpRecall: String?

    @Option(name: .customLong("per-class"), help: "Write the per-category table to PREFIX.csv and PREFIX.md.")
    var perClass: String?

    @Option(name: .customLong("train-ann"), help: "Training annotation file to count each class's training images and instances.")
    var trainAnnotations: String?

    @Option(help: "How many worst classes of each group to print with --per-class.")
    var worst = 5

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    /// An output written onto an input would destroy it before anything noticed; an output directory that
    /// does not exist is checked before the evaluation, which can take minutes, not when its results are written.
    public func validate() throws {
        func same(_ a: String, _ b: String) -> Bool {
            URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath()
                == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
        }
        let outputs = [("--json", jsonOutput), ("--dump-precision", dumpPrecision), ("--dump-recall", dumpRecall)]
        for case let (option, path?) in outputs {
            for (input, inputPath) in [("--gt", groundTruth), ("--results", results)] where same(path, inputPath) {
                throw ValidationError("\(option) \(path) is the \(input) input; write the output elsewhere")
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
                FileManager.default.isWritableFile(atPath: directory)
            else { throw ValidationError("\(option) \(path): the directory \(directory) does not exist or is not writable") }
        }
    }

    public func run() throws {
        let log = ProgressLog(enabled: !quiet)
        let started = Date()
        let gt = try log.timed("ground truth \(groundTruth)", bytesOf: groundTruth) {
            try LVISDataset.load(path: groundTruth)
        }
        log("ground truth: \(gt.images.count) images, \(gt.categories.count) categories, \(gt.annotations.count) annotations")
        let dt = try log.timed("results \(results)", bytesOf: results) { try DetectionResults.load(path: results) }
        let style = style ?? (gt.hasLVISFields ? .lvis : .coco)
        if fixedAP && style == .coco { throw ValidationError("--fixed-ap applies to the LVIS style only") }
        var evaluator = LVISEvaluator(groundTruth: gt, results: dt, iouType: iouType, style: style, fixedAP: fixedAP)
        if !quiet { evaluator.log = { line in ProgressLog.write(line) } }
        log("evaluating \(iouType.rawValue), \(style.rawValue) style\(fixedAP ? ", Fixed AP" : "")")
        let summary = try log.timed("evaluation") { try evaluator.evaluate() }
        for warning in summary.warnings { ProgressLog.write("warning: " + warning) }
        print(summary.table)
        if let jsonOutput { try summary.writeJSON(to: jsonOutput) }
        if let dumpPrecision { try summary.writePrecision(to: dumpPrecision) }
        if let dumpRecall { try summary.writeRecall(to: dumpRecall) }
        if let perClass {
            let training = try trainAnnotations.map { CategoryResultsTable.TrainingCounts(training: try LVISDataset.load(path: $0)) }
                ?? CategoryResultsTable.TrainingCounts(categoryFieldsOf: gt)
            let table = CategoryResultsTable(groundTruth: gt, training: training, summaries: [(iouType, summary)])
            let paths = try table.write(prefix: perClass)
            print(table.worstClassesReport(count: worst))
            log("per-class table: \(paths.csv), \(paths.markdown)")
        }
        log(String(format: "total %.2f s", Date().timeIntervalSince(started)))
    }
}

/// Plain progress lines on stderr (no terminal control codes, so logs stay readable in files and CI).
struct ProgressLog {
    let enabled: Bool

    static func write(_ line: String) {
        FileHandle.standardError.write(Data(("[ltdet] " + line + "\n").utf8))
    }

    func callAsFunction(_ line: String) { if enabled { Self.write(line) } }

    func timed<T>(_ what: String, bytesOf path: String? = nil, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let value = try body()
        let seconds = Date().timeIntervalSince(start)
        if let path, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
            let mb = Double(size) / 1e6
            self(String(format: "loaded %@: %.1f MB in %.2f s (%.0f MB/s)", what, mb, seconds, mb / max(seconds, 1e-9)))
        } else {
            self(String(format: "%@: %.2f s", what, seconds))
        }
        return value
    }
}
