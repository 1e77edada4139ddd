import Foundation
import Testing
import Torch
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

    /// `poly2mask: false` (eqlv2's LVIS recipe) keeps outlines as mmdet's `PolygonMasks`: scaled by the image's
    /// per-axis ratios and mirrored (x -> width - x); the targets then carry them instead of bitmaps.
    @Test func withoutPoly2maskOutlinesAreScaledMirroredAndKept() throws {
        let outline = SyntheticShape.star.outline(center: Point2D(30, 25), radius: 18, aspect: 1.1, rotation: 0.2)
        let item = DatasetImage(
            id: 1, path: "memory", width: 64, height: 48,
            instances: [DatasetInstance(label: 0, box: BoundingBox(x0: 10, y0: 5, x1: 50, y1: 45), mask: .polygons([outline]))])
        let pipeline = SamplePipeline(
            resize: ResizePolicy(shortSides: [77], maxLongSide: 1333), flipProbability: 1, poly2mask: false)
        var generator = SplitMix64(seed: 0)
        let sample = pipeline.apply(to: RGBImage(width: 64, height: 48), item: item, generator: &generator)
        let (sx, sy, width) = (sample.meta.scaleX, sample.meta.scaleY, Double(sample.meta.width))
        #expect(sample.masks.first == .polygons([outline.map { Point2D(width - $0.x * sx, $0.y * sy) }]))

        let targets = ImageTargets(boxes: sample.boxes, labels: sample.labels, masks: sample.masks)
        let tensors = try DetectionTargets(targets, meta: sample.meta, withMasks: true)
        #expect(tensors.masks == nil)
        #expect(tensors.maskOutlines?.count == 1)

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let lvis = try ExperimentConfig.load(root.appendingPathComponent("configs/eqlv2/mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1.yaml").path)
        #expect(!lvis.data.trainPipeline.poly2mask)
    }

    /// A box reaching past the image is clipped before the outline is cut out (mmdet's `mask_target_single`), and
    /// each target covers part of its 28 x 28 frame. scripts/reference/check_masks.sh compares whole sets with mmdet.
    @Test func outlineTargetsClipTheirBoxToTheImage() throws {
        let outline = SyntheticShape.star.outline(center: Point2D(20, 25), radius: 18, aspect: 1.1, rotation: 0.2)
        let boxes = try Tensor([-20, 0, 30, 40, 0, 0, 30, 40, 5, 5, 60, 47] as [Float], shape: [3, 4])
        let targets = try PolygonMaskTargets.targets(
            positiveBoxes: boxes, gtIndices: try Tensor([0, 0, 0] as [Int64]), outlines: [[outline]],
            imageWidth: 64, imageHeight: 48, size: 28)
        let values = try targets.toArray(Float.self)
        let first = Array(values[0..<784]), second = Array(values[784..<1568]), third = Array(values[1568...])
        #expect(first == second)
        #expect(first != third)
        for target in [first, third] { #expect(target.contains(1) && target.contains(0)) }
        #expect(Set(values) == [0, 1])
    }
}
