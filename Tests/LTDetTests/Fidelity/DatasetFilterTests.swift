import Foundation
import LVISKit
import Testing
import Torch
@testable import LTDet

/// Training targets and images are filtered as mmdet 2.x (`_parse_ann_info`, `_filter_imgs`);
/// scripts/reference/check_dataset_filter.sh compares the real subsets with the rules written out in Python.
@Suite struct DatasetFilterTests {
    private static func groundTruth() -> LVISDataset {
        func ann(_ id: Int, image: Int, _ box: [Double], area: Double? = nil, crowd: Bool = false, ignore: Bool = false)
            -> LVISDataset.Annotation {
            .init(id: id, imageId: image, categoryId: 1 + id % 2, bbox: box, area: area ?? box[2] * box[3],
                  iscrowd: crowd, ignore: ignore)
        }
        return LVISDataset(
            images: [.init(id: 1, fileName: "a.jpg", height: 80, width: 100), .init(id: 2, fileName: "b.jpg", height: 80, width: 100),
                     .init(id: 3, fileName: "c.jpg", height: 200, width: 31), .init(id: 4, fileName: "d.jpg", height: 50, width: 50)],
            categories: [.init(id: 1, name: "a"), .init(id: 2, name: "b")],
            annotations: [
                ann(1, image: 1, [10, 10, 20, 20]), ann(2, image: 1, [10, 10, 0.5, 20]), ann(3, image: 1, [10, 10, 20, 20], area: 0),
                ann(4, image: 1, [100, 10, 5, 5]), ann(5, image: 1, [-3, -3, 120, 90]), ann(6, image: 1, [1, 1, 5, 5], crowd: true),
                ann(7, image: 1, [1, 1, 5, 5], ignore: true), ann(8, image: 2, [0, 80, 10, 10]), ann(9, image: 3, [1, 1, 10, 10]),
            ])
    }

    @Test func targetsFollowMMDetBoxRules() throws {
        let dataset = try InstanceDataset(groundTruth: Self.groundTruth(), options: .init(imageRoot: "/r"))
        #expect(dataset.images.map(\.id) == [1, 2, 3, 4])
        #expect(dataset.images[0].instances.compactMap(\.annotationID) == [1, 5])
        #expect(dataset.images[1].instances.isEmpty)
        // The samplers count every annotation, as mmdet's get_cat_ids does.
        #expect(dataset.imageCategories[0] == Self.groundTruth().annotations.filter { $0.imageId == 1 }.map(\.categoryId))
    }

    @Test func trainingDropsImagesWithoutAnnotationsAndSmallImages() throws {
        let options = InstanceDataset.Options(
            imageRoot: "/r", dropImagesWithoutAnnotations: true, minImageSize: InstanceDataset.minTrainingImageSize)
        let training = try InstanceDataset(groundTruth: Self.groundTruth(), options: options)
        // Image 2's only box lies outside it: mmdet keeps the image (annotated) and trains it without targets;
        // image 3 is 31 px wide; image 4 has no annotation.
        #expect(training.images.map(\.id) == [1, 2])
    }

    /// Such an image (annotated, but every box filtered out) trains with negatives only, as in mmdet.
    @Test func anImageWithoutTargetsTrains() throws {
        var config = MaskRCNNConfig.demo(numClasses: 5)
        config.trainCfg.rpnProposal = ProposalConfig(nmsPre: 100, maxPerImage: 50)
        let model = try MaskRCNN(config: config, seed: 1)
        var (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 0)
        targets[1] = DetectionTargets(
            boxes: try Tensor.zeros([0, 4]), labels: try Tensor.zeros([0], dtype: .int64),
            masks: try Tensor.zeros([0, 64, 64], dtype: .uint8))
        model.train()
        let (losses, _) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        for (name, value) in losses { #expect(try value.isFinite().all().item() == 1, "\(name)") }
    }
}
