import Foundation
import Testing

@testable import LVISKit

/// Loading datasets and results, and the errors for malformed input.
@Suite struct JSONTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func datasetFieldsAndSegmentations() throws {
        let json = """
            {"info": {"x": [1, {"y": null}]}, "images": [{"id": 3, "height": 4, "width": 5, "file_name": "a\\u00e9.jpg",
              "coco_url": "http://x/a.jpg", "neg_category_ids": [2], "not_exhaustive_category_ids": [1]}],
             "categories": [{"id": 1, "name": "a", "frequency": "r", "image_count": 2}, {"id": 2, "name": "b", "frequency": "f"}],
             "annotations": [
               {"id": 1, "image_id": 3, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4, "segmentation": [[0, 0, 0, 2, 2, 2, 2, 0]]},
               {"id": 2, "image_id": 3, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1.5e0, "iscrowd": 1,
                "segmentation": {"size": [4, 5], "counts": [0, 20]}},
               {"id": 3, "image_id": 3, "category_id": 2, "bbox": [0, 0, 1, 1], "area": 1, "ignore": true,
                "segmentation": {"size": [4, 5], "counts": "0d0"}}]}
            """
        let d = try LVISDataset.decode(json: Self.bytes(json), name: "gt.json")
        #expect(d.hasLVISFields)
        #expect(d.images[0] == LVISDataset.Image(id: 3, fileName: "aé.jpg", cocoURL: "http://x/a.jpg", height: 4, width: 5,
                                                 negCategoryIds: [2], notExhaustiveCategoryIds: [1]))
        #expect(d.categories[0].frequency == .rare && d.categories[0].imageCount == 2)
        #expect(d.annotations[1].iscrowd && d.annotations[1].area == 1.5)
        #expect(d.annotations[2].ignore)
        if case let .rle(r) = d.annotations[2].segmentation { #expect(r.area == 20) } else { Issue.record("expected an RLE") }
    }

    @Test func malformedJSONNamesFileAndLine() {
        let json = "{\"images\": [\n{\"id\": 1,,}]}"
        #expect {
            try LVISDataset.decode(json: Self.bytes(json), name: "broken.json")
        } throws: { error in
            guard case let .syntax(file, line, _, _) = error as? LVISKitError else { return false }
            return file == "broken.json" && line == 2
        }
    }

    @Test func schemaErrorsNameTheJSONPath() {
        let json = """
            {"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 1},
             {"id": 2, "image_id": 1, "category_id": 1, "area": 1, "bbox": [1, 2, "x", 4]}]}
            """
        #expect {
            try LVISDataset.decode(json: Self.bytes(json), name: "gt.json")
        } throws: { error in
            guard case let .schema(file, path, _) = error as? LVISKitError else { return false }
            return file == "gt.json" && path == "annotations[1].bbox[2]"
        }
    }

    @Test func invalidRLEInTheGroundTruthIsASchemaError() {
        let json = """
            {"images": [], "categories": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 1,
              "segmentation": {"size": [2, 2], "counts": [1, 2]}}]}
            """
        #expect {
            try LVISDataset.decode(json: Self.bytes(json), name: "gt.json")
        } throws: { error in
            guard case let .schema(_, path, message) = error as? LVISKitError else { return false }
            return path == "annotations[0].segmentation" && message.contains("sum")
        }
    }

    @Test func resultsLoadAndWriteBack() throws {
        let json = """
            [{"image_id": 1, "category_id": 2, "score": 0.5, "bbox": [1, 2, 3.25, 4]},
             {"image_id": 1, "category_id": 3, "score": 1e-3, "segmentation": {"size": [2, 2], "counts": "04"}},
             {"image_id": 2, "category_id": 3, "score": 0.25, "bbox": [0, 0, 1, 1], "segmentation": {"size": [2, 2], "counts": [1, 3]}}]
            """
        let r = try DetectionResults.decode(json: Self.bytes(json), name: "res.json")
        #expect(r.count == 3)
        #expect(try r.result(at: 0) == DetectionResult(imageId: 1, categoryId: 2, score: 0.5, bbox: [1, 2, 3.25, 4]))
        #expect(try r.result(at: 1).segmentation?.area == 4)
        #expect(try r.result(at: 2).segmentation?.counts == [1, 3])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lviskit-results-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try r.write(to: path)
        let again = try DetectionResults.load(path: path)
        for i in 0..<3 { #expect(try again.result(at: i) == r.result(at: i)) }
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: LVISKitError.self) { try LVISDataset.load(path: "/nonexistent/gt.json") }
    }

    @Test func resultMissingScoreNamesTheIndex() {
        let json = "[{\"image_id\": 1, \"category_id\": 2, \"score\": 1}, {\"image_id\": 1, \"category_id\": 2}]"
        #expect {
            try DetectionResults.decode(json: Self.bytes(json), name: "res.json")
        } throws: { error in
            guard case let .schema(_, path, message) = error as? LVISKitError else { return false }
            return path == "[1]" && message.contains("score")
        }
    }

    @Test func numbersRoundCorrectly() throws {
        let texts = ["0.1", "1e-7", "123456789012345678901234567890", "2.2250738585072014e-308", "0.30000000000000004",
                     "-0.0", "5e-324", "1.7976931348623157e308", "3.14159265358979323846", "98765.4321e-2"]
        for t in texts {
            let v = try JSONDocument.decode(bytes: Self.bytes(t), name: "n") { (r: inout JSONReader) throws(JSONReader.Failure) in
                try r.readDouble()
            }
            #expect(v.bitPattern == Double(t)!.bitPattern, "\(t)")
        }
    }
}
