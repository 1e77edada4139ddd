import Foundation
import Testing
import Torch

@testable import LTDet

/// End to end: the demo-sized Mask R-CNN overfits a few synthetic images, then finds their objects.
@Suite struct ModelingOverfitTests {
    @Test func demoModelOverfitsSyntheticImages() throws {
        Runtime.manualSeed(7)
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
            let (losses, _) = try model.loss(images: images, metas: metas, targets: targets, epoch: 1)
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
    }
}
