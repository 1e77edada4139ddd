import Foundation
import Testing
import Torch

@testable import LTDet

/// Shapes and names of every Mask R-CNN part, and the formulas of the small pieces on hand-checked cases.
@Suite struct ModelingTests {
    @Test func resnetStagesHaveTorchvisionShapesAndNames() throws {
        for (depth, reference) in [(18, torchvisionResnet18Shapes), (50, torchvisionResnet50Shapes)] {
            let net = try ResNet(depth: depth, norm: .batchNorm, frozenStages: -1)
            let ours = Dictionary(uniqueKeysWithValues: net.namedState().map { ($0.0, $0.1.tensor.shape) })
            let theirs = Dictionary(uniqueKeysWithValues: reference.filter { !$0.0.hasPrefix("fc.") })
            #expect(ours == theirs)
            let outs = try net(Tensor.randn([1, 3, 64, 96]))
            #expect(outs.map(\.shape) == (0..<4).map { [1, net.outChannels[$0], 16 >> $0, 24 >> $0] })
        }
    }

    @Test func torchvisionStateDictLoadsIntoFrozenBNResNet() throws {
        let net = try ResNet(depth: 18, norm: .frozenBN, frozenStages: 1)
        var state: [String: Tensor] = [:]
        for (name, shape) in torchvisionResnet18Shapes {
            state[name] = name.hasSuffix("num_batches_tracked") ? try Tensor.zeros([], dtype: .int64) : try Tensor.randn(shape)
        }
        try net.loadPretrained(state)
        let loaded = net.stateDict()
        #expect(try (loaded["layer3.1.bn2.running_var"]! - state["layer3.1.bn2.running_var"]!).abs().max().item() == 0)
        state.removeValue(forKey: "layer2.0.downsample.0.weight")
        #expect(throws: TorchError.self) { try net.loadPretrained(state) }
        // Stem and layer1 frozen, the rest trains.
        #expect(!net.conv1.weight.requiresGrad)
        #expect(net.trainableParameters().count == net.parameters().count - 1 - 4)
    }

    @Test func normEvalKeepsBatchNormStatisticsFixed() throws {
        let net = try ResNet(depth: 18, norm: .batchNorm, normEval: true, frozenStages: -1)
        net.train()
        let before = try net.stateDict()["layer2.0.bn1.running_mean"]!.clone()
        _ = try net(Tensor.randn([2, 3, 32, 32]))
        #expect(try (net.stateDict()["layer2.0.bn1.running_mean"]! - before).abs().max().item() == 0)
    }

    @Test func fpnGivesFiveLevelsWithMMDetNames() throws {
        let fpn = try FPN(inChannels: [64, 128, 256, 512], outChannels: 32)
        let names = Set(fpn.namedState().map(\.0))
        #expect(names.contains("lateral_convs.3.conv.weight") && names.contains("fpn_convs.0.conv.bias"))
        let feats = try [64, 128, 256, 512].enumerated().map { i, c in try Tensor.randn([2, c, 20 >> i, 28 >> i]) }
        let outs = try fpn(feats)
        #expect(outs.map(\.shape) == [[2, 32, 20, 28], [2, 32, 10, 14], [2, 32, 5, 7], [2, 32, 2, 3], [2, 32, 1, 2]])
    }

    @Test func anchorsFollowMMDetOrder() throws {
        let gen = AnchorGenerator(strides: [4, 8], scales: [8], ratios: [0.5, 1, 2])
        let base = try gen.baseAnchors(level: 0).toArray(Float.self)
        // ratio 0.5: h = 32 * sqrt(0.5), w = 32 / sqrt(0.5).
        #expect(abs(base[0] + 16 / Float(0.5).squareRoot()) < 1e-4)
        #expect(abs(base[1] + 16 * Float(0.5).squareRoot()) < 1e-4)
        let anchors = try gen.anchors(featureSizes: [(2, 3), (1, 2)])
        #expect(anchors.map(\.shape) == [[18, 4], [6, 4]])
        // Location (y 0, x 1) comes right after location (0, 0): its 3 anchors are shifted by the stride in x.
        let a = try anchors[0].toArray(Float.self)
        #expect(a[12] - a[0] == 4 && a[13] == a[1])
        let flags = try gen.validFlags(featureSizes: [(2, 3)], validSize: (8, 8))[0].toArray(Bool.self)
        #expect(flags == [true, true, true, true, true, true, false, false, false,
                          true, true, true, true, true, true, false, false, false])
    }

    @Test func boxCoderRoundTripsAndClips() throws {
        let coder = DeltaXYWHBoxCoder(stds: [0.1, 0.1, 0.2, 0.2])
        let proposals = try Tensor([10, 10, 50, 30, 0, 0, 8, 8] as [Float], shape: [2, 4])
        let gts = try Tensor([12, 8, 60, 40, 1, 2, 5, 9] as [Float], shape: [2, 4])
        let deltas = try coder.encode(proposals: proposals, targets: gts)
        let back = try coder.decode(boxes: proposals, deltas: deltas)
        #expect(try (back - gts).abs().max().item() < 1e-4)
        let clipped = try coder.decode(boxes: proposals, deltas: deltas, maxShape: (20, 30))
        #expect(try clipped.toArray(Float.self)[2] == 30 && clipped.toArray(Float.self)[3] == 20)
    }

    @Test func assignerMatchesThresholdsAndLowQuality() throws {
        let assigner = MaxIoUAssigner(posIoUThreshold: 0.7, negIoUThreshold: 0.3, minPosIoU: 0.3)
        let gt = try Tensor([0, 0, 10, 10] as [Float], shape: [1, 4])
        // IoU 1, 0.5 (between thresholds), 0 (negative), 0.5 again.
        let boxes = try Tensor([0, 0, 10, 10, 0, 0, 10, 5, 20, 20, 30, 30, 0, 5, 10, 10] as [Float], shape: [4, 4])
        let r = try assigner.assign(boxes: boxes, gtBoxes: gt, gtLabels: Tensor([Int64(3)]))
        #expect(try r.gtIndices.toArray(Int64.self) == [1, -1, 0, -1])
        #expect(try r.labels.toArray(Int64.self) == [3, -1, -1, -1])
        // Without the perfect box, the two best (tied) boxes are claimed as low-quality matches.
        let rest = try boxes.slice(dim: 0, start: 1)
        let low = try assigner.assign(boxes: rest, gtBoxes: gt, gtLabels: Tensor([Int64(3)]))
        #expect(try low.gtIndices.toArray(Int64.self) == [1, 0, 1])
    }

    @Test func samplerKeepsFractionAndPrependsGroundTruth() throws {
        let sampler = RandomSampler(num: 8, positiveFraction: 0.25, addGtAsProposals: true)
        let assigner = MaxIoUAssigner(posIoUThreshold: 0.5, negIoUThreshold: 0.5, minPosIoU: 0.5)
        let gt = try Tensor([0, 0, 10, 10] as [Float], shape: [1, 4])
        var rows: [Float] = []
        for i in 0..<20 { rows += [Float(i) * 0.1, 0, 10, 10] }  // 20 positives
        for i in 0..<20 { rows += [50, Float(i), 60, Float(i) + 10] }  // 20 negatives
        let r = try sampler.sample(
            boxes: Tensor(rows, shape: [40, 4]), gtBoxes: gt, gtLabels: Tensor([Int64(1)]), assigner: assigner,
            generator: Generator(seed: 3))
        #expect(r.numPositives == 2 && r.numNegatives == 6)
        #expect(try r.positiveLabels.toArray(Int64.self) == [1, 1])
        #expect(try r.positiveGtIndices.toArray(Int64.self) == [0, 0])
    }

    @Test func roiLevelsFollowFinestScale() throws {
        let pooler = MultiLevelRoIAlign(outputSize: 7)
        let sides: [Float] = [10, 111, 112, 224, 448, 1000]
        let rois = try Tensor(sides.flatMap { [0, 0, 0, $0, $0] }, shape: [6, 5])
        #expect(try pooler.levels(rois: rois).toArray(Int64.self) == [0, 0, 1, 2, 3, 3])
        let feats = try (0..<4).map { try Tensor.randn([1, 8, 64 >> $0, 64 >> $0]) }
        #expect(try pooler(feats, rois: rois).shape == [6, 8, 7, 7])
    }

    @Test func pastedMaskCoversItsBox() throws {
        let masks = try Tensor.ones([1, 28, 28])
        let pasted = try pasteMasks(masks, boxes: Tensor([10, 20, 30, 25] as [Float], shape: [1, 4]), height: 40, width: 50)
        #expect(pasted.shape == [1, 40, 50])
        // Pixel centres inside the box are in, those beyond half a mask cell outside it are out.
        #expect(try pasted.sum().item() == 20 * 5)
    }

    @Test func maskRCNNNamesShapesAndLosses() throws {
        var config = MaskRCNNConfig.demo(numClasses: 5)
        config.trainCfg.rpnProposal = ProposalConfig(nmsPre: 100, maxPerImage: 50)
        let model = try MaskRCNN(config: config, seed: 1)
        let names = Set(model.namedState().map(\.0))
        for name in [
            "backbone.layer4.1.conv2.weight", "neck.fpn_convs.3.conv.weight", "rpn_head.rpn_cls.weight",
            "roi_head.bbox_head.shared_fcs.1.weight", "roi_head.bbox_head.fc_cls.weight",
            "roi_head.bbox_head.fc_reg.bias", "roi_head.mask_head.convs.1.conv.weight",
            "roi_head.mask_head.upsample.weight", "roi_head.mask_head.conv_logits.weight",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(try model.roiHead.bboxHead.fcReg.weight.shape == [20, 256])
        let (images, metas, targets) = try syntheticBatch(count: 2, size: 64, seed: 0)
        model.train()
        let (losses, metrics) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        #expect(Set(losses.keys) == ["loss_rpn_cls", "loss_rpn_bbox", "loss_cls", "loss_bbox", "loss_mask"])
        for (name, value) in losses { #expect(try value.isFinite().all().item() == 1, "\(name)") }
        #expect(metrics["acc"] != nil)
        let total = try losses.values.dropFirst().reduce(losses.values.first!) { try $0 + $1 }
        try total.backward()
        #expect(try #require(model.roiHead.maskHead!.convLogits as? Conv2d).weight.grad != nil)
        model.eval()
        let detections = try model.predict(images: images, metas: metas)
        #expect(detections.count == 2)
        #expect(detections[0].masks?.shape == [detections[0].count, 64, 64])
    }
}

/// Coloured rectangles (classes 0, 2) and discs (class 1) on a grey background, with their masks.
func syntheticBatch(count: Int, size: Int, seed: Int) throws -> (Tensor, [ImageMeta], [DetectionTargets]) {
    var images: [Tensor] = []
    var targets: [DetectionTargets] = []
    let colours: [[Float]] = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
    for i in 0..<count {
        var pixels = [Float](repeating: 0, count: 3 * size * size)
        var boxes: [Float] = []
        var labels: [Int64] = []
        var masks: [UInt8] = []
        let objects = 2 + (i + seed) % 2
        for o in 0..<objects {
            let label = (i + o + seed) % 3
            let side = size / 4 + (o * 7 + i * 5) % (size / 5)
            let x0 = (o * size / objects + (i * 3) % 5) % max(size - side, 1)
            let y0 = ((o * 37 + i * 23 + seed * 11) % max(size - side, 1))
            var mask = [UInt8](repeating: 0, count: size * size)
            for y in y0..<(y0 + side) {
                for x in x0..<(x0 + side) {
                    if label == 1 {
                        let dx = Float(x - x0) + 0.5 - Float(side) / 2
                        let dy = Float(y - y0) + 0.5 - Float(side) / 2
                        if dx * dx + dy * dy > Float(side * side) / 4 { continue }
                    }
                    mask[y * size + x] = 1
                    for c in 0..<3 { pixels[c * size * size + y * size + x] = colours[label][c] }
                }
            }
            boxes += [Float(x0), Float(y0), Float(x0 + side), Float(y0 + side)]
            labels.append(Int64(label))
            masks += mask
        }
        images.append(try Tensor(pixels, shape: [3, size, size]))
        targets.append(
            DetectionTargets(
                boxes: try Tensor(boxes, shape: [objects, 4]), labels: try Tensor(labels),
                masks: try Tensor(masks, shape: [objects, size, size])))
    }
    return (try Tensor.stack(images), Array(repeating: ImageMeta(height: size, width: size), count: count), targets)
}
