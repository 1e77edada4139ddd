import Foundation
import Testing

@testable import LTDet

/// Every config under configs/ resolves (bases, keys, types) and builds its classification loss, so a
/// misspelt key in a shipped config fails here rather than hours into a run.
@Suite struct ShippedConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs")

    static func experimentFiles() -> [String] {
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        // _base_ folders hold fragments; the benchmark's spec is the command's, not an experiment config.
        return files.filter {
            $0.hasSuffix(".yaml") && !$0.split(separator: "/").contains("_base_") && $0 != "benchmark/longtail.yaml"
        }.sorted()
    }

    @Test func thereAreConfigsForEveryMethodFamily() {
        let files = Self.experimentFiles()
        for family in ["demo/", "mask_rcnn/", "seesaw_loss/", "eqlv2/", "pcb/", "loce/"] {
            #expect(files.contains { $0.hasPrefix(family) }, "no config under configs/\(family)")
        }
    }

    @Test(arguments: experimentFiles())
    func resolvesAndBuildsItsLoss(_ file: String) throws {
        let config = try ExperimentConfig.load(Self.root.appendingPathComponent(file).path)
        let loss = try config.model.roiHead.bboxHead.makeClassificationLoss(numClasses: config.model.numClasses)
        #expect(loss.numClasses == config.model.numClasses)
        #expect(config.runner.maxEpochs >= 1 && config.data.samplesPerGPU >= 1)
    }

    /// PCB's recipes are its loss on its iterative RoI head: every configs/pcb config builds that head (with
    /// LayerNorm exactly for EQL v2), with its loss in the classification branch.
    @Test(arguments: experimentFiles().filter { $0.hasPrefix("pcb/") })
    func pcbConfigsUseTheIterativeHead(_ file: String) throws {
        let experiment = try ExperimentConfig.load(Self.root.appendingPathComponent(file).path)
        // PCB trains in fp16 with a dynamic scale (`fp16 = dict(loss_scale='dynamic')`).
        #expect(experiment.fp16?.lossScale == .dynamic(Fp16Section.DynamicLossScale()))
        var config = experiment.model
        #expect(config.roiHead.type == "IterativeRoIHead" && config.roiHead.bboxHead.pcb != nil)
        #expect(config.roiHead.useLayerNorm == (config.roiHead.bboxHead.lossCls?.type == "EQLv2"))
        #expect(config.numClasses == (file.contains("v0.5") ? 1230 : 1203))
        // A small copy builds the real head (ResNet-18, few classes) to keep the test quick.
        config.numClasses = 4
        config.backbone.depth = 18
        let model = try MaskRCNN(config: config, seed: 0)
        let head = try #require(model.roiHead as? IterativeRoIHead)
        #expect(head.nIter == 3 && head.iterLossWeight == [0.2, 0.2, 0.6] && head.regIter == 2)
    }

    @Test func methodConfigsSelectWhatTheyName() throws {
        func load(_ f: String) throws -> ExperimentConfig { try ExperimentConfig.load(Self.root.appendingPathComponent(f).path) }
        let rfs = try load("mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v1.yaml")
        #expect(rfs.data.sampler.type == "repeat_factor" && rfs.model.numClasses == 1203 && rfs.lrConfig.step == [16, 22])
        let seesawPCB = try load("pcb/mask_rcnn_r50_fpn_sample1e-3_seesaw_pcb_normed_mask_mstrain_2x_lvis_v1.yaml")
        #expect(seesawPCB.model.roiHead.bboxHead.lossCls?.type == "SeesawLoss")
        #expect(seesawPCB.model.roiHead.maskHead?.predictorCfg?.type == "NormedConv2d")
        #expect(seesawPCB.data.sampler.type == "repeat_factor")
        #expect(seesawPCB.model.roiHead.bboxHead.pcb?.alpha == 0.05 && seesawPCB.model.roiHead.bboxHead.pcb?.startEpoch == 17)
        let eql = try load("eqlv2/mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1.yaml")
        #expect(eql.runner.maxEpochs == 12 && eql.lrConfig.step == [8, 11] && eql.data.sampler.type == "shuffled")
        let v05 = try load("mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v0.5.yaml")
        #expect(v05.model.numClasses == 1230 && v05.data.train.annFile.contains("v0.5"))
    }
}
