import Foundation
import Testing
import Torch
import Yams

@testable import LTDet
import TestSupport

struct ToyOptimizerConfig: ConfigSection, Equatable {
    var type: String = "SGD"
    var lr: Double = 0.02
    var momentum: Double = 0.9
    var weightDecay: Double = 1e-4
    enum CodingKeys: String, CodingKey { case type, lr, momentum, weightDecay = "weight_decay" }
}

struct ToyExperiment: ConfigSection, Equatable {
    var optimizer = ToyOptimizerConfig()
    var steps: [Int] = [8, 11]
    var name: String?
}

@Suite struct ConfigTests {
    func write(_ files: [String: String]) throws -> URL {
        let dir = try temporaryDirectory()
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func basesMergeAndOverridesApply() throws {
        let dir = try write([
            "base/a.yaml": "optimizer:\n  type: SGD\n  lr: 0.02\n  momentum: 0.9\n  weight_decay: 0.0001\nsteps: [16, 22]\n",
            "exp.yaml": "_base_: base/a.yaml\noptimizer:\n  lr: 0.01\nname: demo\n",
        ])
        let node = try ConfigFile.load(dir.appendingPathComponent("exp.yaml").path, overrides: ["steps=[3, 4]", "optimizer.momentum=0.5"])
        let config = try ConfigDecoder.decode(ToyExperiment.self, from: node, file: "exp.yaml")
        #expect(config.optimizer == ToyOptimizerConfig(type: "SGD", lr: 0.01, momentum: 0.5, weightDecay: 0.0001))
        #expect(config.steps == [3, 4])
        #expect(config.name == "demo")
    }

    @Test func deleteReplacesTheBaseMapping() throws {
        let dir = try write([
            "a.yaml": "optimizer:\n  type: SGD\n  lr: 0.5\n",
            "b.yaml": "_base_: a.yaml\noptimizer:\n  _delete_: true\n  type: AdamW\n",
        ])
        let config = try ConfigDecoder.decode(
            ToyExperiment.self, from: try ConfigFile.load(dir.appendingPathComponent("b.yaml").path), file: "b.yaml")
        #expect(config.optimizer.type == "AdamW" && config.optimizer.lr == 0.02)
    }

    @Test func unknownKeysAreNamed() throws {
        let dir = try write(["bad.yaml": "optimizer:\n  lr: 0.1\n  momentun: 0.9\n"])
        let path = dir.appendingPathComponent("bad.yaml").path
        do {
            _ = try ConfigDecoder.decode(ToyExperiment.self, from: try ConfigFile.load(path), file: path)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.key == "optimizer.momentun" && e.description.contains("bad.yaml"), "\(e)")
        }
        do {
            _ = try ConfigDecoder.decode(ToyExperiment.self, from: try ConfigFile.load(path, overrides: ["optimzer.lr=3"]), file: path)
            Issue.record("expected an error")
        } catch let e as ConfigError { #expect(e.key.hasPrefix("optimzer") || e.key == "optimizer.momentun") }
    }

    @Test func wrongTypesNameKeyAndValue() throws {
        let dir = try write(["t.yaml": "optimizer:\n  lr: fast\n"])
        let path = dir.appendingPathComponent("t.yaml").path
        do {
            _ = try ConfigDecoder.decode(ToyExperiment.self, from: try ConfigFile.load(path), file: path)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.key == "optimizer.lr" && e.description.contains("fast"), "\(e)")
        }
    }

    @Test func missingBaseAndCyclesAreErrors() throws {
        let dir = try write(["x.yaml": "_base_: y.yaml\n", "y.yaml": "_base_: x.yaml\n", "m.yaml": "_base_: nowhere.yaml\n"])
        #expect(throws: ConfigError.self) { try ConfigFile.load(dir.appendingPathComponent("x.yaml").path) }
        do {
            _ = try ConfigFile.load(dir.appendingPathComponent("m.yaml").path)
        } catch let e as ConfigError { #expect(e.file.hasSuffix("nowhere.yaml")) }
    }

    /// Errors found after decoding (an unknown policy, sampler, optimiser, metric or preset) name the config
    /// file and the key, not a placeholder.
    @Test func experimentErrorsNameTheFileAndKey() throws {
        let dir = try write([
            "exp.yaml": "lr_config: {policy: linear}\noptimizer: {type: Adam}\nevaluation: {metric: [box]}\ndata: {error_policy: ignore}\n",
            "preset.yaml": "model_preset: tiny\n",
        ])
        let path = dir.appendingPathComponent("exp.yaml").path
        let config = try ExperimentConfig.load(path)
        func expectNamed(_ key: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("expected an error for \(key)")
            } catch let e as ConfigError {
                #expect(e.file == path && e.key == key, "\(e)")
            } catch { Issue.record("\(error)") }
        }
        expectNamed("lr_config.policy") { _ = try config.lrConfig.makeSchedule(iterationsInEpoch: { _ in 1 }, totalIterations: 1, file: config.file) }
        expectNamed("optimizer.type") { _ = try config.optimizer.makeOptimizer(parameters: [], batchSize: 1, file: config.file) }
        expectNamed("evaluation.metric") { _ = try config.evaluation.iouTypes(file: config.file) }
        expectNamed("data.error_policy") { _ = try config.data.loaderErrorPolicy(file: config.file) }
        let presetPath = dir.appendingPathComponent("preset.yaml").path
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(presetPath) }
    }

    /// `device:` names where the experiment runs; one the machine lacks is an error naming the file, the key
    /// and the value (checked when the experiment starts, where the machine is known), never a crash.
    @Test func deviceKeyResolvesAgainstTheMachine() throws {
        let dir = try write(["cpu.yaml": "device: cpu\n", "far.yaml": "device: cuda:99\n", "bad.yaml": "device: tpu\n"])
        #expect(try ExperimentConfig.load(dir.appendingPathComponent("cpu.yaml").path).resolvedDevice() == .cpu)
        // Unset: CUDA device 0 when the machine has one, else the CPU.
        #expect(try ExperimentConfig().resolvedDevice() == (Runtime.cudaDeviceCount > 0 ? .cuda(0) : .cpu))
        for name in ["far.yaml", "bad.yaml"] {
            let path = dir.appendingPathComponent(name).path
            let config = try ExperimentConfig.load(path)
            do {
                _ = try config.resolvedDevice()
                Issue.record("\(name): expected an error")
            } catch let e as ConfigError {
                #expect(e.file == path && e.key == "device", "\(e)")
                #expect(e.message.contains(config.device!), "\(e)")
            }
        }
    }

    /// Model choices are checked when the file loads: each loss takes only its own parameters, PCB only the
    /// losses it is defined for, and type names must exist; the error names the file and the key path.
    @Test func modelChoicesAreCheckedAtLoad() throws {
        let cases: [(String, String)] = [
            ("model: {roi_head: {bbox_head: {loss_cls: {type: SeesawLoss, alpha: 4.0}}}}\n", "model.roi_head.bbox_head.loss_cls.alpha"),
            ("model: {roi_head: {bbox_head: {loss_cls: {type: EquilibriumLoss}, pcb: {alpha: 0.4}}}}\n", "model.roi_head.bbox_head.pcb"),
            ("model: {roi_head: {bbox_head: {loss_cls: {type: FocalLoss}}}}\n", "model.roi_head.bbox_head.loss_cls.type"),
            ("model: {roi_head: {type: CascadeRoIHead}}\n", "model.roi_head.type"),
            ("model: {roi_head: {mask_head: {predictor_cfg: {type: Conv3d}}}}\n", "model.roi_head.mask_head.predictor_cfg.type"),
            ("model: {roi_head: {long_tail: [{type: NoSuchMemory}]}}\n", "model.roi_head.long_tail[0].type"),
        ]
        for (i, (text, key)) in cases.enumerated() {
            let path = try write(["m\(i).yaml": text]).appendingPathComponent("m\(i).yaml").path
            do {
                _ = try ExperimentConfig.load(path)
                Issue.record("expected an error for \(key)")
            } catch let e as ConfigError {
                #expect(e.file == path && e.key == key, "\(e)")
            }
        }
    }

    /// A preset is the model a file's `model:` keys modify; the defaults are the mmdet baseline.
    @Test func modelPresetsStartFromTheirMaskRCNNConfig() throws {
        let dir = try write(["demo.yaml": "model_preset: demo\nmodel: {num_classes: 7}\n", "plain.yaml": "seed: 1\n"])
        let demo = try ExperimentConfig.load(dir.appendingPathComponent("demo.yaml").path)
        #expect(demo.model == MaskRCNNConfig.demo(numClasses: 7))
        let plain = try ExperimentConfig.load(dir.appendingPathComponent("plain.yaml").path)
        #expect(plain.model == MaskRCNNConfig.lvisBaseline())
        #expect(plain.data.normalization == Normalization.imageNetRGB)
    }
}
