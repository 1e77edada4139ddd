import Foundation
import LVISKit
import Testing
import Torch

@testable import LTDet
import TestSupport

/// Bounded-time mutation fuzzing of the readers that take files from users: the COCO/LVIS JSON readers (and the
/// evaluation of what they accept), the RLE and polygon decoders, and the safetensors reader. Any input may be
/// rejected with an error; none may trap, hang or exhaust memory.
@Suite(.serialized) struct FuzzTargetTests {
    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../scripts/reference/lvis_eval_fixture.json").standardized

    /// Ground truth and results of the lvis-api reference cases, as JSON text.
    static func referenceCases() throws -> [(gt: [UInt8], results: [UInt8])] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: fixturePath)) as! [String: Any]
        return try (root["cases"] as! [[String: Any]]).map { c in
            let results = try (c["results_text"] as? String).map { Array($0.utf8) }
                ?? Array(JSONSerialization.data(withJSONObject: c["results"]!))
            return (Array(try JSONSerialization.data(withJSONObject: c["gt"]!)), results)
        }
    }

    @Test func jsonReadersAndEvaluation() throws {
        let cases = try Self.referenceCases()
        let gt = try LVISDataset.decode(json: cases[0].gt)
        let results = try DetectionResults.decode(json: cases[0].results)
        let tried = MutationFuzzer(name: "ground truth and results JSON", corpus: cases.flatMap { [$0.gt, $0.results] })
            .run { bytes in
                // Each mutated file is read both ways and, when accepted, evaluated against a valid counterpart.
                if let mutated = try? LVISDataset.decode(json: bytes) {
                    for type in IoUType.allCases { _ = try? LVISEvaluator(groundTruth: mutated, results: results, iouType: type).evaluate() }
                }
                if let mutated = try? DetectionResults.decode(json: bytes) {
                    for type in IoUType.allCases { _ = try? LVISEvaluator(groundTruth: gt, results: mutated, iouType: type).evaluate() }
                }
            }
        #expect(tried > 0)
    }

    /// Input text: `h w counts-string`, read back into an RLE and run through every mask function.
    @Test func rleDecoder() throws {
        var random = SplitMix64(seed: 3)
        let corpus: [[UInt8]] = (0..<32).map { _ in
            let h = 1 + random.below(40), w = 1 + random.below(40)
            let mask = (0..<(h * w)).map { _ in UInt8(random.below(3) == 0 ? 1 : 0) }
            let rle = try! RLE(mask: mask, height: h, width: w)
            return Array("\(h) \(w) \(rle.compressedCounts)".utf8)
        }
        let tried = MutationFuzzer(name: "RLE strings", corpus: corpus).run { bytes in
            let parts = String(decoding: bytes, as: UTF8.self).split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let h = Int(parts[0]), let w = Int(parts[1]) else { return }
            let rle = try RLE(compressedCounts: String(parts[2]), height: h, width: w)
            Self.exercise(rle)
        }
        #expect(tried > 0)
    }

    /// Input text: `h w x0 y0 x1 y1 ...` (Swift's Double() reads nan, inf and 1e999 too), rasterised as
    /// pycocotools' rleFrPoly and run through every mask function.
    @Test func polygonDecoder() throws {
        var random = SplitMix64(seed: 4)
        let corpus: [[UInt8]] = (0..<32).map { _ in
            let h = 1 + random.below(60), w = 1 + random.below(60)
            let coordinates = (0..<(6 + 2 * random.below(6))).map { _ in "\(Double(random.below(800)) / 10)" }
            return Array(([String(h), String(w)] + coordinates).joined(separator: " ").utf8)
        }
        let tried = MutationFuzzer(name: "polygons", corpus: corpus).run { bytes in
            let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
            guard fields.count >= 2, let h = Int(fields[0]), let w = Int(fields[1]) else { return }
            let coordinates = fields.dropFirst(2).compactMap { Double($0) }
            let rle = try RLE(polygons: [coordinates, Array(coordinates.reversed())], height: h, width: w)
            Self.exercise(rle)
        }
        #expect(tried > 0)
    }

    /// Everything the evaluator and the tools do with a mask; decoding only when the mask is small.
    static func exercise(_ rle: RLE) {
        _ = rle.area
        _ = rle.bbox
        _ = rle.compressedCounts
        _ = try? RLE.merge([rle, rle], intersect: true)
        _ = IoU.masks([rle], [rle], iscrowd: [false])
        if rle.height.multipliedReportingOverflow(by: rle.width).partialValue < 1 << 20 { _ = rle.decode() }
    }

    @Test func safetensorsReader() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let valid = directory.appendingPathComponent("valid.safetensors")
        try Safetensors.save(
            ["a": try Tensor.arange(6).reshape([2, 3]).to(.float32), "b.c": try Tensor.ones([4], dtype: .int64)],
            metadata: ["format": "ltdet-checkpoint-1", "iteration": "3"], to: valid)
        let empty = directory.appendingPathComponent("empty.safetensors")
        try Safetensors.save([:], to: empty)
        let corpus = [Array(try Data(contentsOf: valid)), Array(try Data(contentsOf: empty))]
        let input = directory.appendingPathComponent("input.safetensors")
        let tried = MutationFuzzer(name: "safetensors", corpus: corpus).run { bytes in
            try Data(bytes).write(to: input)
            _ = try Safetensors.load(from: input)
        }
        #expect(tried > 0)
    }
}
