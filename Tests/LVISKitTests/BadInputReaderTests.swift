import Foundation
import Testing

@testable import LVISKit

/// Reader and mask inputs that used to trap, hang or fail unclearly (several found by Tests/LTDetTests/Fuzz).
@Suite struct BadInputReaderTests {
    static let groundTruth = """
        {"images": [{"id": 1, "height": 40, "width": 50}], "categories": [{"id": 1, "name": "a"}],
         "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 10, 10], "area": 100}]}
        """

    @Test func byteOrderMarkIsIgnored() throws {
        let plain = try LVISDataset.decode(json: Array(Self.groundTruth.utf8))
        let marked = try LVISDataset.decode(json: [0xEF, 0xBB, 0xBF] + Array(Self.groundTruth.utf8))
        #expect(marked.images == plain.images && marked.annotations == plain.annotations)
    }

    /// Found by fuzzing: a malformed value under a key the reader skips indexed a table with -1.
    @Test func malformedValueUnderAnUnknownKeyIsAnError() {
        let text = #"{"licenses": [1, 2,], "images": [], "categories": [], "annotations": []}"#
        #expect(throws: LVISKitError.self) { try LVISDataset.decode(json: Array(text.utf8), name: "gt.json") }
    }

    @Test func imageSizeNoMaskCanHaveIsAnError() {
        for (h, w) in [(-1, 10), (100_000, 100_000), (5_000_000_000, 1)] {
            let text = Self.groundTruth.replacingOccurrences(of: "\"height\": 40", with: "\"height\": \(h)")
                .replacingOccurrences(of: "\"width\": 50", with: "\"width\": \(w)")
            #expect {
                try LVISDataset.decode(json: Array(text.utf8), name: "gt.json")
            } throws: { error in
                "\(error)".contains("gt.json") && "\(error)".contains("image 1 has size \(h) x \(w)")
            }
        }
    }

    @Test func maskSizeThatOverflowsIsAnError() {
        #expect(throws: LVISKitError.self) { try RLE(compressedCounts: "0", height: Int.max, width: 3) }
        #expect(throws: LVISKitError.self) { try RLE(height: -2, width: 3, counts: []) }
        #expect(throws: LVISKitError.self) { try RLE(polygons: [[0, 0, 1, 1, 2, 0]], height: 1 << 40, width: 1 << 40) }
    }

    /// A NaN, inf or 1e9 vertex becomes C's INT_MIN, two billion steps from the image: the walk used to take
    /// each of them (10-15 s per polygon); it now skips the steps that cannot give a column.
    @Test(arguments: [Double.nan, .infinity, 1e9, -1e9])
    func farOrNonFiniteVertexIsFast(value: Double) throws {
        let clock = ContinuousClock()
        for polygon in [[10, 10, 30, 10, value, 30], [10, 10, 30, 10, 20, value]] {
            let elapsed = clock.measure { _ = RLE(polygon: polygon, height: 480, width: 640) }
            #expect(elapsed < .seconds(1), "\(polygon): \(elapsed)")
        }
    }
}
