import Foundation
import Testing
@testable import LTDet

/// Training masks as mmdet makes them: rasterised at the original size, rescaled with OpenCV's nearest
/// neighbour, then flipped. scripts/reference/check_masks.sh compares real LVIS and COCO polygons with mmdet's path.
@Suite struct TrainingMaskTests {
    @Test func openCVNearestRepeatsPixelsInBlocksWhenUpscalingByAWholeFactor() {
        var generator = SplitMix64(seed: 5)
        let source = BinaryMask(width: 5, height: 3, values: (0..<15).map { _ in UInt8(generator.nextInt(below: 2)) })
        let up = source.resizedLikeOpenCV(width: 15, height: 6)
        for y in 0..<6 { for x in 0..<15 { #expect(up.values[y * 15 + x] == source.values[(y / 2) * 5 + x / 3]) } }
    }

    @Test func pipelineRasterisesAtTheOriginalSizeThenRescalesAndFlips() {
        let outline = SyntheticShape.star.outline(center: Point2D(30, 25), radius: 18, aspect: 1.1, rotation: 0.2)
        let item = DatasetImage(
            id: 1, path: "memory", width: 64, height: 48,
            instances: [DatasetInstance(label: 0, box: BoundingBox(x0: 10, y0: 5, x1: 50, y1: 45), mask: .polygons([outline]))])
        let pipeline = SamplePipeline(resize: ResizePolicy(shortSides: [77], maxLongSide: 1333), flipProbability: 1)
        var generator = SplitMix64(seed: 0)
        let sample = pipeline.apply(to: RGBImage(width: 64, height: 48), item: item, generator: &generator)
        let want = InstanceMask.polygons([outline]).rasterized(width: 64, height: 48)
            .resizedLikeOpenCV(width: sample.meta.width, height: sample.meta.height).flippedHorizontally()
        guard case .bitmap(let got)? = sample.masks.first else { Issue.record("expected a bitmap"); return }
        #expect(got == want)
    }

    /// `poly2mask: false` (the LVIS multi-scale configs) keeps polygons until the transformed size.
    @Test func withoutPoly2maskPolygonsAreRasterisedAtTheTransformedSize() throws {
        let outline = SyntheticShape.star.outline(center: Point2D(30, 25), radius: 18, aspect: 1.1, rotation: 0.2)
        let item = DatasetImage(
            id: 1, path: "memory", width: 64, height: 48,
            instances: [DatasetInstance(label: 0, box: BoundingBox(x0: 10, y0: 5, x1: 50, y1: 45), mask: .polygons([outline]))])
        let pipeline = SamplePipeline(
            resize: ResizePolicy(shortSides: [77], maxLongSide: 1333), flipProbability: 0, rasterizeAtOriginalSize: false)
        var generator = SplitMix64(seed: 0)
        let sample = pipeline.apply(to: RGBImage(width: 64, height: 48), item: item, generator: &generator)
        let want = InstanceMask.polygons([outline])
            .scaled(x: sample.meta.scaleX, y: sample.meta.scaleY, toWidth: sample.meta.width, height: sample.meta.height)
            .rasterized(width: sample.meta.width, height: sample.meta.height)
        guard case .bitmap(let got)? = sample.masks.first else { Issue.record("expected a bitmap"); return }
        #expect(got == want)

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let lvis = try ExperimentConfig.load(root.appendingPathComponent("configs/eqlv2/mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1.yaml").path)
        #expect(!lvis.data.trainPipeline.poly2mask)
    }
}
