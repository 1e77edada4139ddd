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
