import ArgumentParser
import Foundation
import LTDet
import LVISKit

/// Draws predictions on their images.
struct VizCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viz", abstract: "Draw detections (boxes, masks, class names, scores) on images as PNG.")

    @Option(help: "Ground-truth / dataset JSON naming the images and categories.") var ann: String
    @Option(help: "Results JSON (LVIS/COCO results format).") var results: String
    @Option(help: "Image root directory.") var images: String
    @Option(help: "Output directory for the PNG files.") var out: String
    @Option(help: "How many images to draw.") var limit = 8
    @Option(help: "Leave out detections scoring below this.") var minScore = 0.3
    @Flag(help: "Draw the ground truth of --ann on the left, the predictions on the right.") var withGt = false
    @Option(help: ArgumentHelp(
        "Rank the images by bbox mAP as mmdet's analyze_results.py and draw the K worst (OUT/bad) and best (OUT/good) "
            + "with their ground truth; OUT/ranking.csv lists every image's score.", valueName: "K"))
    var rank: Int?
    @Option(help: ArgumentHelp(
        "With --rank: rank the images holding this class by its AP instead, into OUT/<name>/ (repeatable).",
        valueName: "NAME"))
    var rankClass: [String] = []

    func validate() throws {
        if let rank, rank < 1 { throw ValidationError("--rank must be at least 1, not \(rank)") }
        if !rankClass.isEmpty && rank == nil { throw ValidationError("--rank-class needs --rank K") }
    }

    func run() throws {
        let dataset = try InstanceDataset(annotationFile: ann, options: InstanceDataset.Options(imageRoot: images))
        let loaded = try DetectionResults.load(path: results)
        let records = try (0..<loaded.count).map { try loaded.result(at: $0) }
        if let rank {
            try writeRankings(records, dataset: dataset, count: rank)
            return
        }
        let written = try DetectionDrawing.writeImages(
            results: records, dataset: dataset, to: out, limit: limit, minScore: minScore, withGroundTruth: withGt)
        print("wrote \(written.count) images to \(out)")
    }

    /// mmdet analyze_results.py: every image ranked by bbox mAP, or per --rank-class the images of that class by its AP.
    private func writeRankings(_ records: [DetectionResult], dataset: InstanceDataset, count: Int) throws {
        var jobs: [(name: String?, category: Int?)] = []
        for name in rankClass {
            guard let label = dataset.labels.names.firstIndex(of: name) else {
                throw ValidationError("--rank-class '\(name)': \(ann) has no category of that name")
            }
            jobs.append((name, dataset.labels.categoryID(forLabel: label)))
        }
        if jobs.isEmpty { jobs = [(nil, nil)] }
        for job in jobs {
            let ranking = ImageRanking.rank(results: records, dataset: dataset, category: job.category)
            // Class names may hold '/' (LVIS "bus_(vehicle)" has none, COCO-style names might).
            let directory = job.name.map { (out as NSString).appendingPathComponent($0.replacingOccurrences(of: "/", with: "_")) } ?? out
            let written = try ImageRanking.write(
                ranking, results: records, dataset: dataset, to: directory, count: count, minScore: minScore)
            let what = job.name.map { "images holding '\($0)' ranked by its AP" } ?? "images ranked by bbox mAP"
            print("\(ranking.count) \(what): worst \(ranking.first.map { String(format: "%.3f", $0.score) } ?? "-"), "
                + "best \(ranking.last.map { String(format: "%.3f", $0.score) } ?? "-"); wrote \(directory)/ranking.csv and \(written.count) pictures")
        }
    }
}
