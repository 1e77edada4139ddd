import Foundation
import Testing

@testable import LVISKit

/// Hand-built evaluation cases whose expected values lvis-api / pycocotools computed
/// (scripts/reference/lvis_fixture.py writes scripts/reference/lvis_eval_fixture.json).
@Suite struct EvaluationTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let style: EvaluationStyle
        let iouType: IoUType
        let gt: [UInt8]
        let results: [UInt8]
        let metrics: [(String, Double)]
        let perCategory: [Int: Double]
        var description: String { name }
    }

    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/reference/lvis_eval_fixture.json").standardized.path

    static func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return try (root["cases"] as! [[String: Any]]).map { c in
            let metrics = try JSONSerialization.data(withJSONObject: c["metrics"]!)
            // Keep the reference's key order: read it from the raw text.
            let ordered = try JSONDocument.decode(bytes: Array(metrics), name: "metrics") {
                (r: inout JSONReader) throws(JSONReader.Failure) -> [(String, Double)] in
                guard case let .object(m) = try r.readValue() else { return [] }
                return m.map { ($0.key, $0.value.double ?? .nan) }
            }
            let perCategory = (c["per_category"] as! [String: Any]).reduce(into: [Int: Double]()) {
                $0[Int($1.key)!] = ($1.value as! NSNumber).doubleValue
            }
            return Case(
                name: c["name"] as! String, style: EvaluationStyle(rawValue: c["style"] as! String)!,
                iouType: IoUType(rawValue: c["iou_type"] as! String)!,
                gt: Array(try JSONSerialization.data(withJSONObject: c["gt"]!)),
                // NaN scores are not JSON: such cases keep the results as the text Python wrote (`NaN` literals).
                results: try (c["results_text"] as? String).map { Array($0.utf8) }
                    ?? Array(JSONSerialization.data(withJSONObject: c["results"]!)),
                metrics: ordered, perCategory: perCategory)
        }
    }

    @Test func fixtureCasesMatchTheReference() throws {
        let cases = try Self.loadCases()
        #expect(cases.count == 14)
        for c in cases {
            let gt = try LVISDataset.decode(json: c.gt, name: c.name)
            let results = try DetectionResults.decode(json: c.results, name: c.name)
            let summary = try LVISEvaluator(groundTruth: gt, results: results, iouType: c.iouType, style: c.style).evaluate()
            for (key, expected) in c.metrics {
                let value = try #require(summary.metric(key), "\(c.name): no metric \(key)")
                #expect(abs(value - expected) <= 1e-12, "\(c.name) \(key): \(value) != \(expected)")
            }
            #expect(Set(summary.metrics.map(\.0)) == Set(c.metrics.map(\.0)))
            for (id, expected) in c.perCategory {
                #expect(abs((summary.perCategoryAP[id] ?? .nan) - expected) <= 1e-12, "\(c.name) category \(id)")
            }
        }
    }

    @Test func lvisMetricKeysInOrder() throws {
        let cases = try Self.loadCases()
        let c = cases[0]
        let summary = try LVISEvaluator(
            groundTruth: try LVISDataset.decode(json: c.gt), results: try DetectionResults.decode(json: c.results),
            iouType: .bbox
        ).evaluate()
        #expect(summary.metrics.map(\.0) == [
            "AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf", "AR@300", "ARs@300", "ARm@300", "ARl@300",
        ])
        #expect(summary.precisionShape == [10, 101, 4, 4])
    }

    @Test func inProcessResultsEqualTheFileResults() throws {
        let c = try Self.loadCases()[1]
        let gt = try LVISDataset.decode(json: c.gt)
        let fromFile = try DetectionResults.decode(json: c.results)
        let values = try (0..<fromFile.count).map { try fromFile.result(at: $0) }
        let a = try LVISEvaluator(groundTruth: gt, results: fromFile, iouType: .bbox).evaluate()
        let b = try LVISEvaluator(groundTruth: gt, results: values, iouType: .bbox).evaluate()
        #expect(a.precision == b.precision)
    }

    @Test func unknownImageInResultsIsAnError() throws {
        let c = try Self.loadCases()[0]
        let gt = try LVISDataset.decode(json: c.gt)
        let results = [DetectionResult(imageId: 999, categoryId: 1, score: 0.5, bbox: [0, 0, 1, 1])]
        #expect {
            try LVISEvaluator(groundTruth: gt, results: results, iouType: .bbox).evaluate()
        } throws: { error in
            "\(error)".contains("image_id 999")
        }
    }

    @Test func numpyMeanAndLinspace() {
        #expect(LVISEvaluator.iouThresholds.count == 10 && LVISEvaluator.iouThresholds[5] == 0.75)
        #expect(LVISEvaluator.recallThresholds[100] == 1.0 && LVISEvaluator.recallThresholds[7] == 7 * 0.01)
        #expect(NumpyMath.meanOfValid([-1, -1]) == -1)
        #expect(NumpyMath.mean([1, 2, 3, 4]) == 2.5)
    }
}
