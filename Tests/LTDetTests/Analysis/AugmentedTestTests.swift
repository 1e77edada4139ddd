import Foundation
import LVISKit
import Testing
import Torch

@testable import LTDet
import TestSupport

/// Test-time augmentation (mmdet's MultiScaleFlipAug + aug_test). The merge arithmetic itself is compared with
/// a Python version of mmdet's merges by scripts/reference/check_augmented_test.sh; here: flip TTA treats an
/// image and its mirror alike. The mirror's views are the image's views with mirrored swapped, so its detections
/// must be the image's detections mirrored: a wrong flip, scale or averaging in any of the three merges breaks it.
@Suite struct AugmentedTestTests {
    /// Detections (boxes, scores, labels, masks) mirrored in an image of `width`.
    func mirrored(_ d: Detections, width: Int) throws -> Detections {
        Detections(
            boxes: try Boxes(d.boxes).flippedHorizontally(width: width).tensor, scores: d.scores, labels: d.labels,
            masks: try d.masks?.flip([2]))
    }

    func expectSame(_ a: Detections, _ b: Detections) throws {
        #expect(a.count == b.count)
        guard a.count == b.count, a.count > 0 else { return }
        #expect(try a.labels.toArray(Int.self) == b.labels.toArray(Int.self))
        #expect(try (a.scores - b.scores).abs().max().item() < 1e-5)
        #expect(try (a.boxes - b.boxes).abs().max().item() < 1e-3)
        if let ma = a.masks, let mb = b.masks {
            // Pixels whose pasted probability sits on the threshold may go either way after float rounding.
            let differing = try (ma.to(.float32) - mb.to(.float32)).abs().sum().item()
            #expect(differing <= 0.001 * Double(ma.shape.reduce(1, *)))
        }
    }

    @Test func flipAndScaleViewsOfAMirroredImageGiveTheMirroredDetections() throws {
        var config = MaskRCNNConfig.demo(numClasses: 4)
        config.testCfg.rpn.nmsPre = 200
        config.testCfg.rpn.maxPerImage = 60
        let model = try MaskRCNN(config: config, seed: 3)
        model.eval()
        let (w, h) = (128, 96)
        let generator = try Generator(seed: 11)
        // View tensors: the image at scale 1 and a 0.5 view (64 x 48, padded at the bottom to 64 rows).
        let full = try Tensor.randn([1, 3, h, w], generator: generator)
        let half = try Tensor.cat([Tensor.randn([1, 3, 48, 64], generator: generator), Tensor.zeros([1, 3, 16, 64])], dim: 2)
        func meta(_ scale: Double, mirrored: Bool) -> ImageMeta {
            ImageMeta(
                imageID: 1, path: "", originalWidth: w, originalHeight: h, width: Int(Double(w) * scale),
                height: Int(Double(h) * scale), scaleX: scale, scaleY: scale, flipped: mirrored)
        }
        let metas = [meta(1, mirrored: false), meta(1, mirrored: true), meta(0.5, mirrored: false), meta(0.5, mirrored: true)]
        // The image's views: each scale plain and mirrored. The mirror image's views: the same tensors swapped.
        let imageViews = [full, try full.flip([3]), half, try half.flip([3])]
        let mirrorViews = [try full.flip([3]), full, try half.flip([3]), half]
        let detections = try model.predictAugmented(images: imageViews, metas: metas)
        let ofMirror = try model.predictAugmented(images: mirrorViews, metas: metas)
        #expect(detections.count > 0)
        #expect(detections.masks?.shape == [detections.count, h, w])
        try expectSame(ofMirror, try mirrored(detections, width: w))

        // One plain view is not the same as the merged four: the other views count.
        let single = try model.predictAugmented(images: [full], metas: [metas[0]])
        #expect(try single.count != detections.count || (single.scores - detections.scores).abs().max().item() > 1e-6)
    }

    @Test func testPipelineFlipRunsBothViewsThroughTheLoader() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        let synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 4, valImages: 3, imageSize: 64, seed: 6)
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let work = root.appendingPathComponent("work")
        let training = try DetectorResumeTests().experiment(data: data, work: work, maxIters: 1)
        try training.train(resume: false)
        let checkpoint = try #require(Checkpoint.latest(in: work))
        var config = training.config
        config.data.testPipeline.flip = true
        #expect(config.data.testPipeline.testViews.map(\.mirrored) == [false, true])
        let experiment = DetectionExperiment(config: config, workDirectory: work)

        let val = try experiment.loadDataset(config.data.val, training: false)
        let files = val.images.map(\.path)
        let mirrorDirectory = root.appendingPathComponent("mirrored")
        try FileManager.default.createDirectory(at: mirrorDirectory, withIntermediateDirectories: true)
        let mirrorFiles = try files.map { file in
            let image = try ImageFile.read(file)
            let path = mirrorDirectory.appendingPathComponent(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent + ".png").path
            try ImageFile.write(image.resized(width: image.width, height: image.height, mirrored: true), to: path)
            return path
        }
        let categories = try LVISDataset.load(path: config.data.val.annFile).categories
        let original = try ImagePrediction(experiment: experiment, checkpoint: checkpoint, files: files, categories: categories)
        let mirror = try ImagePrediction(experiment: experiment, checkpoint: checkpoint, files: mirrorFiles, categories: categories)
        #expect(!original.results.isEmpty)
        #expect(original.results.count == mirror.results.count)
        for (a, b) in zip(original.results, mirror.results) {
            let width = Double(val.images[a.imageId - 1].width)
            let (boxA, boxB) = (a.bbox!, b.bbox!)
            #expect(a.imageId == b.imageId && a.categoryId == b.categoryId)
            #expect(abs(a.score - b.score) < 1e-5)
            #expect(abs((width - boxA[0] - boxA[2]) - boxB[0]) < 1e-3 && abs(boxA[1] - boxB[1]) < 1e-3)
            #expect(abs(boxA[2] - boxB[2]) < 1e-3 && abs(boxA[3] - boxB[3]) < 1e-3)
        }

        // Plain testing of the same checkpoint differs: the mirrored view was merged in.
        let plain = try ImagePrediction(experiment: training, checkpoint: checkpoint, files: files, categories: categories)
        #expect(plain.results.map(\.score) != original.results.map(\.score))
    }

    @Test func imgScaleReadsMMDetSpellingsAndBadScalesNameTheKey() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("tta.yaml").path
        try "data:\n  test_pipeline:\n    img_scale: [[1333, 800], [640, 1333]]\n    flip: true\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let config = try ExperimentConfig.load(file)
        let views = config.data.testPipeline.testViews
        #expect(views.map(\.resize) == [
            ResizePolicy(shortSides: [800], maxLongSide: 1333), ResizePolicy(shortSides: [800], maxLongSide: 1333),
            ResizePolicy(shortSides: [640], maxLongSide: 1333), ResizePolicy(shortSides: [640], maxLongSide: 1333),
        ])
        #expect(views.map(\.mirrored) == [false, true, false, true])
        let single = try ExperimentConfig.load(file, overrides: ["data.test_pipeline.img_scale=[1333, 800]", "data.test_pipeline.flip=false"])
        #expect(single.data.testPipeline.testViews == [TestView(resize: ResizePolicy(shortSides: [800], maxLongSide: 1333), mirrored: false)])
        #expect { try ExperimentConfig.load(file, overrides: ["data.test_pipeline.img_scale=[[1333, 800, 3]]"]) } throws: {
            "\($0)".contains("data.test_pipeline.img_scale[0]") && "\($0)".contains(file)
        }
        #expect { try ExperimentConfig.load(file, overrides: ["data.train_pipeline.flip=true"]) } throws: {
            "\($0)".contains("data.train_pipeline.flip")
        }
    }
}
