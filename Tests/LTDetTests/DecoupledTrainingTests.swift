import Foundation
import Testing
import Torch

@testable import LTDet
import TestSupport

/// LOCE's decoupled recipe on a small synthetic set: a plain stage 1, then a stage 2 that loads it, trains only
/// the parameters `train_params` names, fills MFS and EBL's mean scores by the balanced initialisation pass, and
/// replays memory rows. A stage-2 run interrupted and resumed ends bit for bit where the straight run does.
@Suite struct DecoupledTrainingTests {
    static let trained = ["fc_cls", "fc_reg", "rpn", "mask_head"]

    func stageOne(data: String, work: URL) throws -> DetectionExperiment {
        var config = try DetectorResumeTests().experiment(data: data, work: work, maxIters: nil).config
        config.model.roiHead.bboxHead.lossCls = .crossEntropy(CrossEntropyLossConfig())
        config.model.roiHead.maskHead?.predictorCfg = MaskRCNNConfig.PredictorConfig(type: "NormedConv2d")
        config.runner.maxEpochs = 1
        return DetectionExperiment(config: config, workDirectory: work)
    }

    func stageTwo(data: String, stageOne: URL, work: URL, maxIters: Int?) throws -> DetectionExperiment {
        var config = try self.stageOne(data: data, work: work).config
        config.model.roiHead.bboxHead.lossCls = .equilibrium(EquilibriumLossConfig())
        config.model.roiHead.longTail = [
            LongTailComponentConfig(type: "MFS", options: ["queue_size": .int(12), "sampled_num_classes": .int(4)]),
        ]
        config.loadFrom = stageOne.path
        config.trainParams = Self.trained
        config.balancedInit = BalancedInitSection(imagesPerClass: 2)
        config.runner.maxEpochs = 2
        config.runner.maxIters = maxIters
        return DetectionExperiment(config: config, workDirectory: work)
    }

    @Test func resumedStageTwoEqualsStraightRunAndFrozenPartsStayFrozen() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        var synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 6, valImages: 2, imageSize: 64, seed: 8)
        synth.classesPerImage = 1.5
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let first = root.appendingPathComponent("stage1")
        try stageOne(data: data, work: first).train(resume: false)
        let stageOneFile = try #require(Checkpoint.latest(in: first))

        let straight = root.appendingPathComponent("straight"), split = root.appendingPathComponent("split")
        try stageTwo(data: data, stageOne: stageOneFile, work: straight, maxIters: nil).train(resume: false)
        try stageTwo(data: data, stageOne: stageOneFile, work: split, maxIters: 3).train(resume: false)
        try stageTwo(data: data, stageOne: stageOneFile, work: split, maxIters: nil).train(resume: true)

        let s1 = try Checkpoint.read(stageOneFile)
        let a = try Checkpoint.read(try #require(Checkpoint.latest(in: straight)))
        let b = try Checkpoint.read(try #require(Checkpoint.latest(in: split)))
        #expect(a.state.iteration == 6 && b.state.iteration == 6)
        #expect(a.method.keys.contains("long_tail.0.features") && a.method.keys.contains("cls_loss.mean_score"))
        try expectBitIdentical(a, b, includingOptimizer: true)

        // Frozen weights and the statistics of frozen BatchNorm layers are exactly stage 1's; the named parts moved.
        var moved = 0
        for (name, tensor) in a.model {
            let before = try #require(s1.model[name])
            let same = try tensor.eq(before).all().item() == 1
            if Self.trained.contains(where: { name.contains($0) }) {
                if name.hasSuffix("weight"), !same { moved += 1 }
            } else {
                #expect(same, "\(name) changed although frozen")
            }
        }
        #expect(moved > 0)
        // Only the trainable parameters have optimiser state.
        let trainable = try stageTwo(data: data, stageOne: stageOneFile, work: straight, maxIters: nil).makeModel()
        try ParameterSelection(patterns: Self.trained).apply(to: trainable, file: "test")
        #expect(a.optimizer.count == trainable.trainableParameters().count)
    }

    /// LOCE's shipped stage-2 configs are its recipe over the matching stage 1.
    @Test(arguments: [
        ("loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1.yaml", 1203, 50),
        ("loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5.yaml", 1230, 50),
        ("loce_mask_rcnn_r101_fpn_normed_mask_mstrain_2x_lvis_v1.yaml", 1203, 101),
    ])
    func shippedStageTwoConfigsAreLOCEsRecipe(_ file: String, classes: Int, depth: Int) throws {
        let config = try ExperimentConfig.load(ShippedConfigTests.root.appendingPathComponent("loce/\(file)").path)
        #expect(config.model.numClasses == classes && config.model.backbone.depth == depth)
        #expect(config.trainParams == Self.trained && config.balancedInit?.imagesPerClass == 5 && config.pretrained == nil)
        #expect(config.loadFrom == "work_dirs/" + file.dropFirst("loce_".count).dropLast(".yaml".count))
        #expect(config.model.roiHead.bboxHead.lossCls?.type == "EquilibriumLoss")
        #expect(config.model.roiHead.longTail?.map(\.type) == ["MFS"])
        #expect(config.model.roiHead.maskHead?.predictorCfg?.type == "NormedConv2d")
        #expect(config.runner.maxEpochs == 6 && config.lrConfig.step == [3, 5] && config.data.sampler.type == "shuffled")
    }

    @Test func aPatternThatNamesNothingIsAnError() throws {
        let model = try MaskRCNN(config: .demo(numClasses: 3), seed: 1)
        #expect(throws: ConfigError.self) { try ParameterSelection(patterns: ["fc_cls", "fc_clss"]).apply(to: model, file: "x.yaml") }
    }
}
