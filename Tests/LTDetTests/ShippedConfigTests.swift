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
        return files.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("_base_") }.sorted()
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

    @Test func methodConfigsSelectWhatTheyName() throws {
        func load(_ f: String) throws -> ExperimentConfig { try ExperimentConfig.load(Self.root.appendingPathComponent(f).path) }
        let rfs = try load("mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v1.yaml")
        #expect(rfs.data.sampler.type == "repeat_factor" && rfs.model.numClasses == 1203 && rfs.lrConfig.step == [16, 22])
        let seesawPCB = try load("pcb/mask_rcnn_r50_fpn_seesaw_pcb_2x_lvis_v1.yaml")
        #expect(seesawPCB.model.roiHead.bboxHead.lossCls?.type == "SeesawLoss")
        #expect(seesawPCB.model.roiHead.bboxHead.pcb?.alpha == 0.05 && seesawPCB.model.roiHead.bboxHead.pcb?.startEpoch == 17)
        let eql = try load("eqlv2/mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1.yaml")
        #expect(eql.runner.maxEpochs == 12 && eql.lrConfig.step == [8, 11] && eql.data.sampler.type == "shuffled")
        let v05 = try load("mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v0.5.yaml")
        #expect(v05.model.numClasses == 1230 && v05.data.train.annFile.contains("v0.5"))
    }
}
