import Testing

@testable import Torch

@Suite struct DetectionKernelTests {
    @Test func roiAlignGradientMatchesFiniteDifferences() throws {
        let rois = try Tensor([0, 0.5, 0.7, 4.2, 3.9, 1, 1.3, 0.2, 5.5, 4.8, 0, -0.8, 2.0, 2.5, 6.4], shape: [3, 5])
            .to(.float64)
        for aligned in [true, false] {
            for ratio in [0, 2] {
                try gradCheck([input([2, 3, 5, 6], seed: 60)]) { x in
                    try DetectionOps.roiAlign(
                        x[0], rois: rois, spatialScale: 0.8, outputSize: (3, 2), samplingRatio: ratio, aligned: aligned)
                }
            }
        }
    }

    @Test func roiAlignOfAConstantMapIsThatConstantInside() throws {
        let map = try Tensor.full([1, 1, 8, 8], 3)
        let rois = try Tensor([Float(0), 1, 1, 6, 6], shape: [1, 5])
        let out = try DetectionOps.roiAlign(map, rois: rois, spatialScale: 1, outputSize: (7, 7))
        #expect(try (out - 3.0).abs().max().item() < 1e-6)
    }

    @Test func nmsSuppressesOverlapsAboveTheThreshold() throws {
        let boxes = try Tensor([Float(0), 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 0, 0, 10, 10.5], shape: [4, 4])
        let scores = try Tensor([Float(0.9), 0.8, 0.7, 0.95])
        let keep = try DetectionOps.nms(boxes: boxes, scores: scores, iouThreshold: 0.5).toArray(Int.self)
        #expect(keep == [3, 2])
        let perClass = try DetectionOps.batchedNMS(
            boxes: boxes, scores: scores, classes: try Tensor([Int64(0), 1, 0, 0]), iouThreshold: 0.5
        ).toArray(Int.self)
        #expect(perClass == [3, 1, 2])
        #expect(try DetectionOps.nms(boxes: try Tensor.zeros([0, 4]), scores: try Tensor.zeros([0]), iouThreshold: 0.5).count == 0)
    }

    /// Per-class NMS equals plain NMS run on each class's boxes alone, the kept boxes merged in score order.
    @Test func batchedNMSIsPlainNMSPerClassMergedByScore() throws {
        let g = try Generator(seed: 7)
        let n = 600
        let xy = try Tensor.rand([n, 2], generator: g) * 100.0
        let boxes = try Tensor.cat([xy, xy + Tensor.rand([n, 2], generator: g) * 40.0 + 1.0], dim: 1)
        let scores = try Tensor.rand([n], generator: g)
        let classes = try Tensor.randint(0, 9, [n], generator: g)
        let got = try DetectionOps.batchedNMS(boxes: boxes, scores: scores, classes: classes, iouThreshold: 0.5)
            .toArray(Int.self)
        var kept: [Int] = []
        for c in 0..<9 {
            let members = try classes.eq(Double(c)).nonzero().reshape(-1)
            let keep = try DetectionOps.nms(boxes: boxes.index(members), scores: scores.index(members), iouThreshold: 0.5)
            kept += try members.index(keep).toArray(Int.self)
        }
        let s = try scores.toArray(Float.self)
        kept.sort { s[$0] != s[$1] ? s[$0] > s[$1] : $0 < $1 }
        #expect(got == kept)
        #expect(got.count > 9 && got.count < n)
    }
}
