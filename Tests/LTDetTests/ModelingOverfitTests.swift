import Foundation
import LVISKit
import Testing
import Torch

@testable import LTDet

/// End to end: the demo-sized Mask R-CNN overfits a few synthetic images, then finds their objects.
@Suite struct ModelingOverfitTests {
    @Test func demoModelOverfitsSyntheticImages() throws {
        var config = MaskRCNNConfig.demo(numClasses: 3)
        config.testCfg.rcnn.scoreThreshold = 0.3
        let model = try MaskRCNN(config: config, seed: 7)
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 1)
        let baseLR = 0.01
        let optimizer = SGD(model.trainableParameters(), lr: baseLR, momentum: 0.9, weightDecay: 1e-4)
        let steps = 120
        var first = 0.0
        var last = 0.0
        model.train()
        for step in 0..<steps {
            // From-scratch weights need mmdet's linear warm-up or the first steps blow up.
            optimizer.groups[0].lr = baseLR * min(1, 0.1 + 0.9 * Double(step) / 30)
            let (losses, _) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
            let total = try losses.values.dropFirst().reduce(losses.values.first!) { try $0 + $1 }
            try optimizer.zeroGrad()
            try total.backward()
            try optimizer.step()
            let value = try total.item()
            if step < 5 { first += value / 5 }
            if step >= steps - 5 { last += value / 5 }
        }
        #expect(last < 0.2 * first, "loss \(first) -> \(last)")

        model.eval()
        let detections = try model.predict(images: images, metas: metas)
        for (target, found) in zip(targets, detections) {
            let iou = try Boxes.iou(Boxes(target.boxes), Boxes(found.boxes))
            let sameClass = try target.labels.unsqueeze(dim: 1).eq(found.labels.unsqueeze(dim: 0))
            let matched = try iou.gt(0.5).logicalAnd(sameClass).any(dim: 1)
            #expect(try matched.all().item() == 1, "found \(found.count): \(found.labels) for \(target.labels)")
        }

        // The same predictions through LTDet's results conversion and LVISKit: AP near 1 on the training images.
        let labels = CategoryLabelMap(categories: (0..<3).map { (id: $0 + 1, name: "c\($0)", frequency: FrequencyGroup.frequent) })
        var annotations: [LVISDataset.Annotation] = []
        var results: [DetectionResult] = []
        for (i, (target, found)) in zip(targets, detections).enumerated() {
            let ground = Detections(
                boxes: target.boxes, scores: try Tensor.ones([target.count]), labels: target.labels, masks: target.masks)
            for r in try DetectionInference.convert(ground, imageID: i + 1, labels: labels) {
                annotations.append(
                    LVISDataset.Annotation(
                        id: annotations.count + 1, imageId: i + 1, categoryId: r.categoryId, bbox: r.bbox,
                        area: Double(r.segmentation!.area), segmentation: .rle(r.segmentation!)))
            }
            results += try DetectionInference.convert(found, imageID: i + 1, labels: labels)
        }
        let gt = LVISDataset(
            images: (1...targets.count).map { LVISDataset.Image(id: $0, height: 64, width: 64) },
            categories: (1...3).map { LVISDataset.Category(id: $0, name: "c\($0)", frequency: .frequent) },
            annotations: annotations)
        for type in [IoUType.bbox, .segm] {
            let summary = try LVISEvaluator(groundTruth: gt, results: results, iouType: type).evaluate()
            let ap50 = summary.metric("AP50") ?? -1
            let ap = summary.metric("AP") ?? -1
            #expect(ap50 > 0.95 && ap > 0.6, "\(type): AP50 \(ap50), AP \(ap)")
        }
    }
}
