import Foundation
import Testing

@testable import LVISKit

/// Vectors from docs/evaluation.md, round trips and invalid inputs of the RLE and polygon functions.
@Suite struct RLETests {
    static let stringVectors: [([UInt32], String)] = [
        ([1, 3], "13"),
        ([0, 5, 3], "053"),
        ([100, 20, 100, 20, 100], "T3d0T300"),
        ([5, 1_000_000, 5], "5Pb`n05"),
        ([10, 2, 30, 4, 5, 6], ":2n02WO2"),
    ]

    @Test(arguments: stringVectors)
    func compressedStringVectors(counts: [UInt32], expected: String) throws {
        #expect(String(decoding: RLECodec.encode(counts), as: UTF8.self) == expected)
        let decoded = try Array(expected.utf8).withUnsafeBufferPointer { try RLECodec.decode($0) }
        #expect(decoded == counts)
        let total = counts.reduce(0) { $0 + Int($1) }
        let rle = try RLE(compressedCounts: expected, height: 1, width: total)
        #expect(rle.counts == counts)
        #expect(rle.compressedCounts == expected)
    }

    @Test func zeroRunsRoundTrip() throws {
        let counts: [UInt32] = [0, 4, 0, 0, 3, 0, 2]
        let rle = try RLE(height: 3, width: 3, counts: counts)
        let again = try RLE(compressedCounts: rle.compressedCounts, height: 3, width: 3)
        #expect(again.counts == counts)
        #expect(again.area == 4)  // runs 1, 3, 5 are foreground: 4 + 0 + 0
    }

    @Test func squarePolygon() {
        let rle = RLE(polygon: [0, 0, 0, 9, 9, 9, 9, 0], height: 100, width: 100)
        #expect(rle.area == 81)
        #expect(rle.bbox == [0, 0, 9, 9])
        #expect(rle.compressedCounts == "09k2000000000000000\\l8")
    }

    @Test func trianglePolygon() {
        let rle = RLE(polygon: [2, 2, 7, 2, 4.5, 8], height: 10, width: 10)
        #expect(rle.area == 15)
        #expect(rle.bbox == [2, 2, 5, 6])
        #expect(rle.compressedCounts == "f0192N3MN2Mo0")
    }

    @Test func boxIsThePolygonOfItsCorners() {
        let box = RLE(box: [1.5, 2.25, 10, 7.75], height: 20, width: 30)
        let polygon = RLE(polygon: [1.5, 2.25, 1.5, 10, 11.5, 10, 11.5, 2.25], height: 20, width: 30)
        #expect(box == polygon)
    }

    @Test func maskRoundTripAreaAndBox() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let h = Int.random(in: 1...20, using: &generator), w = Int.random(in: 1...20, using: &generator)
            let p = Double.random(in: 0...1, using: &generator)
            let mask = (0..<(h * w)).map { _ in Double.random(in: 0...1, using: &generator) < p ? UInt8(1) : 0 }
            let rle = try RLE(mask: mask, height: h, width: w)
            #expect(rle.decode() == mask)
            #expect(rle.area == mask.reduce(0) { $0 + Int($1) })
            let again = try RLE(compressedCounts: rle.compressedCounts, height: h, width: w)
            #expect(again == rle)
            // The box of the foreground, computed directly.
            var xs = w, ys = h, xe = -1, ye = -1
            for x in 0..<w { for y in 0..<h where mask[x * h + y] == 1 {
                xs = min(xs, x); xe = max(xe, x); ys = min(ys, y); ye = max(ye, y)
            } }
            if xe < 0 {
                #expect(rle.bbox == [0, 0, 0, 0] || rle.counts.count >= 2)
            } else if xs == xe {
                #expect(rle.bbox == [Double(xs), Double(ys), 1, Double(ye - ys + 1)])
            } else {
                // pycocotools 2.0.11: a run crossing columns widens y to the full height.
                #expect(rle.bbox[0] == Double(xs) && rle.bbox[2] == Double(xe - xs + 1))
            }
        }
    }

    @Test func mergeUnionAndIntersection() throws {
        let a = try RLE(mask: [1, 1, 0, 0], height: 2, width: 2)
        let b = try RLE(mask: [0, 1, 1, 0], height: 2, width: 2)
        #expect(try RLE.merge([a, b]).decode() == [1, 1, 1, 0])
        #expect(try RLE.merge([a, b], intersect: true).decode() == [0, 1, 0, 0])
    }

    @Test func iouWithCrowd() throws {
        let boxes = IoU.boxes([[0, 0, 10, 10]], [[5, 0, 10, 10], [0, 0, 20, 20]], iscrowd: [false, true])
        #expect(boxes[0][0] == 50.0 / 150.0)
        #expect(boxes[0][1] == 1.0)  // crowd: intersection over the detection's area
        let d = try RLE(mask: [1, 1, 1, 0], height: 2, width: 2)
        let g = try RLE(mask: [0, 1, 1, 1], height: 2, width: 2)
        #expect(IoU.masks([d], [g], iscrowd: [false])[0][0] == 2.0 / 4.0)
        #expect(IoU.masks([d], [g], iscrowd: [true])[0][0] == 2.0 / 3.0)
    }

    @Test func countsMustSumToTheImageSize() {
        #expect(throws: LVISKitError.self) { try RLE(height: 2, width: 2, counts: [1, 2]) }
        #expect(throws: LVISKitError.self) { try RLE(compressedCounts: "13", height: 2, width: 3) }
    }

    @Test func badCharactersAndTruncatedStrings() {
        #expect(throws: LVISKitError.self) { try RLE(compressedCounts: "1 3", height: 1, width: 4) }
        #expect(throws: LVISKitError.self) { try RLE(compressedCounts: "13p", height: 1, width: 4) }
        #expect(throws: LVISKitError.self) { try RLE(compressedCounts: "13o", height: 1, width: 4) }
    }

    @Test func mergeOfDifferentSizesIsAnError() throws {
        let a = try RLE(mask: [1, 0], height: 2, width: 1)
        let b = try RLE(mask: [1, 0], height: 1, width: 2)
        #expect(throws: LVISKitError.self) { try RLE.merge([a, b]) }
        #expect(throws: LVISKitError.self) { try RLE(mask: [1, 0, 1], height: 2, width: 2) }
    }
}
