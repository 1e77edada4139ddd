import Foundation
import Testing

@testable import LVISKit

/// mmdet's confusion-matrix rules on a hand-built image; scripts/reference/check_confusion_matrix.sh compares
/// random sets with an independent Python implementation.
@Suite struct DetectionConfusionMatrixTests {
    static let categories = [LVISDataset.Category(id: 1, name: "a"), .init(id: 2, name: "b"), .init(id: 3, name: "c")]

    static func groundTruth(_ annotations: [LVISDataset.Annotation]) -> LVISDataset {
        LVISDataset(images: [.init(id: 7, height: 100, width: 100)], categories: categories, annotations: annotations)
    }

    static func box(_ id: Int, category: Int, _ b: [Double], crowd: Bool = false) -> LVISDataset.Annotation {
        .init(id: id, imageId: 7, categoryId: category, bbox: b, area: b[2] * b[3], iscrowd: crowd)
    }

    @Test func countsFollowMMDetRules() throws {
        let gt = Self.groundTruth([
            Self.box(1, category: 1, [10, 10, 20, 20]), Self.box(2, category: 2, [50, 50, 20, 20]),
            Self.box(3, category: 3, [0, 60, 30, 30], crowd: true),
        ])
        let results = DetectionResults([
            DetectionResult(imageId: 7, categoryId: 1, score: 0.9, bbox: [10, 10, 20, 20]),  // a on a: diagonal
            DetectionResult(imageId: 7, categoryId: 2, score: 0.8, bbox: [11, 10, 20, 20]),  // b on a: confusion
            DetectionResult(imageId: 7, categoryId: 1, score: 0.9, bbox: [80, 0, 10, 10]),  // a on nothing: background
            DetectionResult(imageId: 7, categoryId: 3, score: 0.1, bbox: [50, 50, 20, 20]),  // below the score threshold
            DetectionResult(imageId: 7, categoryId: 3, score: 0.9, bbox: [0, 60, 30, 30]),  // on the crowd box only
        ])
        let m = try DetectionConfusionMatrix(groundTruth: gt, results: results)
        let bg = m.background
        #expect(m[0, 0] == 1 && m[0, 1] == 1)
        #expect(m[bg, 0] == 1 && m[bg, 2] == 1)
        // b's ground truth was reached by no b detection: a miss. a's was, so no miss for it.
        #expect(m[1, bg] == 1 && m[0, bg] == 0)
        #expect(m.counts.reduce(0, +) == 5)
        #expect(m.strongestConfusions(top: 5) == [.init(trueIndex: 0, predictedIndex: 1, count: 1, rowShare: 0.5)])
    }

    @Test func oneDetectionCountsForEveryGroundTruthItReaches() throws {
        let gt = Self.groundTruth([Self.box(1, category: 1, [10, 10, 20, 20]), Self.box(2, category: 2, [10, 10, 20, 20])])
        let results = DetectionResults([DetectionResult(imageId: 7, categoryId: 1, score: 0.5, bbox: [10, 10, 20, 20])])
        let m = try DetectionConfusionMatrix(groundTruth: gt, results: results)
        #expect(m[0, 0] == 1 && m[1, 0] == 1 && m[1, m.background] == 1)
    }

    @Test func aResultOnAnUnknownCategoryIsAnError() {
        let gt = Self.groundTruth([Self.box(1, category: 1, [10, 10, 20, 20])])
        let results = DetectionResults([DetectionResult(imageId: 7, categoryId: 9, score: 0.5, bbox: [0, 0, 5, 5])])
        #expect { try DetectionConfusionMatrix(groundTruth: gt, results: results) } throws: { error in
            "\(error)".contains("category_id 9")
        }
    }
}
