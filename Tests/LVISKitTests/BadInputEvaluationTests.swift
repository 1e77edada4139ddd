import Foundation
import Testing

@testable import LVISKit

/// Inputs the references evaluate but that are likely mistakes are reported; inputs where lvis-api itself has
/// no defined answer are errors (the numbers of the accepted ones are checked in EvaluationTests' fixture).
@Suite struct BadInputEvaluationTests {
    func fixtureCase(_ name: String) throws -> EvaluationTests.Case {
        try #require(try EvaluationTests.loadCases().first { $0.name == name })
    }

    @Test func duplicateAnnotationIdsAreReported() throws {
        for (name, duplicated) in [("duplicate ids bbox", true), ("basic bbox", false)] {
            let c = try fixtureCase(name)
            let summary = try LVISEvaluator(
                groundTruth: try LVISDataset.decode(json: c.gt), results: try DetectionResults.decode(json: c.results),
                iouType: c.iouType, style: c.style
            ).evaluate()
            #expect(summary.warnings.count == (duplicated ? 1 : 0), "\(name): \(summary.warnings)")
            if duplicated {
                #expect(summary.warnings[0].contains("ids 1, 2") && summary.warnings[0].contains("2 annotations"))
            }
        }
    }

    /// An image listed twice is evaluated as the references' id dictionaries see it (the repeat is invisible) and
    /// reported; an image that was given another's id leaves its results on no image, and the error says why.
    @Test func repeatedImageIdsAreReportedAndNamedInTheError() throws {
        let c = try fixtureCase("basic bbox")
        let gt = try LVISDataset.decode(json: c.gt)
        let results = try DetectionResults.decode(json: c.results)
        var repeated = gt
        repeated.images.append(gt.images[0])
        let plain = try LVISEvaluator(groundTruth: gt, results: results, iouType: c.iouType, style: c.style).evaluate()
        let twice = try LVISEvaluator(groundTruth: repeated, results: results, iouType: c.iouType, style: c.style).evaluate()
        #expect(twice.metrics.map { "\($0.0) \($0.1)" } == plain.metrics.map { "\($0.0) \($0.1)" })
        #expect(plain.warnings.isEmpty)
        #expect(twice.warnings.count == 1 && twice.warnings[0].contains("ids \(gt.images[0].id)"), "\(twice.warnings)")

        var renamed = gt
        let lost = try #require(gt.images.first { image in results.imageIds.contains(image.id) && image.id != gt.images[0].id })
        renamed.images[renamed.images.firstIndex { $0.id == lost.id }!].id = gt.images[0].id
        #expect {
            try LVISEvaluator(groundTruth: renamed, results: results, iouType: c.iouType, style: c.style).evaluate()
        } throws: { error in
            "\(error)".contains("image_id \(lost.id), which is not an image of the ground truth")
                && "\(error)".contains("ids \(gt.images[0].id)") && "\(error)".contains("another's id")
        }
    }

    /// lvis-api cuts an image's results to 300 with Python's sorted(), whose result is undefined with NaN keys.
    @Test func nanScoreInAnImageOverTheCapIsAnError() throws {
        let c = try fixtureCase("basic bbox")
        var results = (0..<301).map { _ in DetectionResult(imageId: 10, categoryId: 1, score: 0.5, bbox: [1, 1, 10, 10]) }
        results[7].score = .nan
        #expect {
            try LVISEvaluator(groundTruth: try LVISDataset.decode(json: c.gt), results: results, iouType: .bbox).evaluate()
        } throws: { error in
            "\(error)".contains("result [7] has score NaN on image 10")
        }
    }
}
