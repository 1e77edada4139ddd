import Foundation
import LVISKit
import Testing

@testable import LTDet
import TestSupport

/// `ltdet viz --rank` (mmdet analyze_results.py). The scores themselves are compared with a Python version of
/// mmdet's bbox_map_eval by scripts/reference/check_image_ranking.sh; here: the order and the pictures.
@Suite struct ImageRankingTests {
    @Test func perfectImagesRankBestMissedOnesWorstAndPicturesAreWritten() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        let synth = SyntheticDatasetGenerator.Configuration(classes: 4, trainImages: 4, valImages: 4, imageSize: 64, seed: 2)
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let dataset = try InstanceDataset(
            annotationFile: "\(data)/annotations/val.json", options: .init(imageRoot: "\(data)/images"))
        let images = dataset.images.filter { !$0.instances.isEmpty }
        try #require(images.count >= 3)
        let (perfect, shifted, missed) = (images[0], images[1], images[2])
        func results(_ image: DatasetImage, shift: Double) -> [DetectionResult] {
            image.instances.enumerated().map { i, instance in
                var box = instance.box.xywh
                box[0] += shift * box[2]
                return DetectionResult(
                    imageId: image.id, categoryId: dataset.labels.categoryID(forLabel: instance.label),
                    score: 0.9 - 0.01 * Double(i), bbox: box)
            }
        }
        // Boxes moved by a third of their width: IoU 0.5, a match at the lowest thresholds only.
        let records = results(perfect, shift: 0) + results(shifted, shift: 1.0 / 3)
        let ranking = ImageRanking.rank(results: records, dataset: dataset)
        let score = Dictionary(uniqueKeysWithValues: ranking.map { ($0.imageID, $0.score) })
        #expect(ranking.last?.imageID == perfect.id && score[perfect.id] == 1)
        #expect(score[missed.id] == 0)
        #expect(score[shifted.id]! > 0 && score[shifted.id]! < 1)
        #expect(ranking.map(\.score) == ranking.map(\.score).sorted())

        // Per class: only the images holding it.
        let category = dataset.labels.categoryID(forLabel: perfect.instances[0].label)
        let holding = dataset.images.filter { $0.instances.contains { dataset.labels.categoryID(forLabel: $0.label) == category } }
        let byClass = ImageRanking.rank(results: records, dataset: dataset, category: category)
        #expect(Set(byClass.map(\.imageID)) == Set(holding.map(\.id)))
        #expect(byClass.last?.imageID == perfect.id && byClass.last?.score == 1)

        let out = root.appendingPathComponent("rank").path
        let pictures = try ImageRanking.write(ranking, results: records, dataset: dataset, to: out, count: 2, minScore: 0.3)
        #expect(pictures.count == 4)
        #expect(pictures.contains { $0.hasSuffix("good/01_\(perfect.id)_1.000.png") })
        let csv = try String(contentsOfFile: out + "/ranking.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == ranking.count + 1 && csv.last == "\(perfect.id),1.0")
    }
}
