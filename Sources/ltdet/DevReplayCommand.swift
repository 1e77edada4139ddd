import ArgumentParser
import Foundation
import LTDet
import Torch

/// Runs RIO's memory replay (`MemoryReplay`, the config's `model.roi_head.long_tail` entry) over a sequence of
/// steps from a file and writes, per step, the rows it replays (labels, features, recomputed regression
/// targets), the target classes and the final queues, so that scripts/reference/rio.py can compare the
/// selection, the FIFO order and the target-class rule with an independent PyTorch implementation.
///
/// Input: `steps` (scalar int64), optional `seed` (scalar int64: the step generator, for `random_select`), and
/// per step s: `s<s>.labels` (K int64, background = C), `s<s>.shared` (K x F), `s<s>.proposals` (K x 4),
/// `s<s>.gt_boxes` (M x 4), `s<s>.instance_ids` (K int64, index into gt_boxes, -1 for background).
/// Output: `target_labels`; per step `s<s>.replay_labels`, `s<s>.replay_features`, `s<s>.replay_box_targets`
/// (absent when nothing is replayed); `state.<label>.features` / `state.<label>.boxes` after the last step.
/// Prints the mean time of a step's replay (selection, push, target encoding): RIO's cost per step.
struct DevReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "RIO's memory replay over a sequence of steps (reference check hook).")

    @Option(help: "Experiment config: model.num_classes, model.roi_head.bbox_head.target_stds, a MemoryReplay entry in model.roi_head.long_tail.")
    var config: String
    @Option(help: "Input .safetensors (see the command's documentation in DevReplayCommand.swift).")
    var `in`: String
    @Option(help: "Output .safetensors.") var out: String

    func run() throws {
        Runtime.configureProcess()
        var model = try ExperimentConfig.load(config).model
        model.roiHead.maskHead = nil
        let loss = try model.roiHead.bboxHead.makeClassificationLoss(numClasses: model.numClasses)
        let head = try RoIHeadFactory.make(
            config: model, classificationLoss: loss, inChannels: model.neck.outChannels, roiStrides: [4, 8, 16, 32])
        guard let replay = head.longTailComponents.compactMap({ $0 as? MemoryReplay }).first else {
            throw ValidationError("\(config): model.roi_head.long_tail has no MemoryReplay entry")
        }
        let inputs = try Safetensors.load(from: URL(fileURLWithPath: `in`)).tensors
        func required(_ name: String) throws -> Tensor {
            guard let t = inputs[name] else { throw ValidationError("\(`in`): missing tensor '\(name)'") }
            return t
        }
        let generator = try Generator(seed: UInt64(try inputs["seed"]?.itemInt() ?? 0))
        var result: [String: Tensor] = ["target_labels": try Tensor(replay.targetLabels.map(Int64.init))]
        let steps = try required("steps").itemInt()
        var seconds = 0.0
        for s in 0..<steps {
            let labels = try required("s\(s).labels").to(.int64)
            let shared = try required("s\(s).shared")
            let k = labels.size(0)
            let proposals = try required("s\(s).proposals").to(shared.dtype)
            let rois = SampledRoIs(
                rois: try Tensor.cat([Tensor.zeros([k, 1], dtype: shared.dtype), proposals], dim: 1),
                roiFeatures: try Tensor.zeros([k, 1]), labels: labels, boxTargets: try Tensor.zeros([k, 4], dtype: shared.dtype),
                instanceIDs: try required("s\(s).instance_ids").to(.int64), imageIndices: try Tensor.zeros([k], dtype: .int64),
                isGroundTruth: try Tensor.zeros([k], dtype: .bool),
                targets: [DetectionTargets(boxes: try required("s\(s).gt_boxes").to(shared.dtype), labels: try Tensor.zeros([0], dtype: .int64))],
                metas: [], featureMaps: [])
            let context = TrainingStepContext(iteration: s, epoch: 1, generator: generator)
            let start = Date()
            let rows = try replay.extraRows(for: rois, shared: shared, context: context)
            seconds += Date().timeIntervalSince(start)
            if let rows {
                result["s\(s).replay_labels"] = rows.labels
                result["s\(s).replay_features"] = rows.features
                result["s\(s).replay_box_targets"] = rows.boxTargets
            }
        }
        print(String(format: "replay: %d steps, %.2f ms per step", steps, 1000 * seconds / Double(max(steps, 1))))
        for (name, value) in replay.stateDict() { result["state.\(name)"] = value }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
    }
}
