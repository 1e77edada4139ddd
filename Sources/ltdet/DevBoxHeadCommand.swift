import ArgumentParser
import Foundation
import LTDet
import Torch

/// Runs one training step of the box head alone (the plain or iterative RoI head of a config, with its
/// classification loss and PCB) on RoI features from a file, and writes every loss term, the gradients of their
/// sum with respect to the RoI features and every head weight, the updated method state and the test-time
/// scores and deltas, so that scripts/reference/box_head.py can compare LTDet with an independent PyTorch
/// implementation. Tensor names: docs/developer/box-head-harness.md.
struct DevBoxHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "box-head", abstract: "One training step of the box head alone (reference check hook).")

    @Option(help: "Experiment config (YAML or JSON): model.num_classes, model.neck.out_channels, model.roi_head.")
    var config: String
    @Option(help: "Input .safetensors: roi_features, labels, bbox_targets, optional instance_ids and epoch, the head's weights, cls_loss.* state.")
    var `in`: String
    @Option(help: "Output .safetensors.") var out: String
    @Flag(help: "Keep the head's fresh initialisation (ignore weights in the input) and also write its weights as 'init.<name>', for the check of the initial logits.")
    var fresh = false

    func run() throws {
        Runtime.configureProcess()
        var model = try ExperimentConfig.load(config).model
        model.roiHead.maskHead = nil
        let inputs = try Safetensors.load(from: URL(fileURLWithPath: `in`)).tensors
        func required(_ name: String) throws -> Tensor {
            guard let t = inputs[name] else { throw ValidationError("\(`in`): missing tensor '\(name)'") }
            return t
        }
        let features = try required("roi_features")
        let labels = try required("labels").to(.int64)
        let k = features.size(0)
        guard features.rank == 4, labels.shape == [k] else {
            throw ValidationError("\(`in`): roi_features must be K x C x S x S and labels K, got \(features.shape) and \(labels.shape)")
        }
        let loss = try model.roiHead.bboxHead.makeClassificationLoss(numClasses: model.numClasses)
        let head = try RoIHeadFactory.make(
            config: model, classificationLoss: loss, inChannels: model.neck.outChannels, roiStrides: [4, 8, 16, 32])
        try head.to(.cpu, dtype: features.dtype)
        var result: [String: Tensor] = [:]
        if fresh {
            for (name, value) in head.stateDict() { result["init.\(name)"] = try value.detach().clone() }
        } else {
            let weights = inputs.filter { !$0.key.contains("roi_features") && head.stateDict()[$0.key] != nil }
            try head.load(stateDict: weights)
        }
        var state: [String: Tensor] = [:]
        for (name, value) in inputs where name.hasPrefix("cls_loss.") { state[String(name.dropFirst(9))] = value }
        if !state.isEmpty {
            var full = loss.stateDict()
            full.merge(state) { _, given in given }
            try loss.loadStateDict(full)
        }

        let roiFeatures = try features.detach().clone().requiresGrad(true)
        let notObserved = try Tensor.full([k], Double(ClassificationLossInput.notObserved), dtype: .int64)
        let rois = SampledRoIs(
            rois: try Tensor.zeros([k, 5], dtype: features.dtype), roiFeatures: roiFeatures, labels: labels,
            boxTargets: try required("bbox_targets").to(features.dtype),
            instanceIDs: try inputs["instance_ids"]?.to(.int64) ?? notObserved,
            imageIndices: try Tensor.zeros([k], dtype: .int64), isGroundTruth: try Tensor.zeros([k], dtype: .bool),
            targets: [], metas: [], featureMaps: [])
        let epoch = try inputs["epoch"].map { try $0.itemInt() } ?? 1
        head.train()
        let terms = try head.boxHeadLoss(rois, context: TrainingStepContext(iteration: 0, epoch: epoch, generator: try Generator(seed: 0)))

        var total: Tensor?
        for (name, value) in terms.losses {
            result[name] = try value.detach()
            total = try total.map { try $0 + value } ?? value
        }
        let parameters = head.namedParameters()
        let wrt = [roiFeatures] + parameters.map(\.1.wrappedValue)
        let gradients = try total.map { try Tensor.gradients(of: [$0], wrt: wrt) } ?? []
        for (i, (name, tensor)) in ([("roi_features", roiFeatures)] + parameters.map { ($0.0, $0.1.wrappedValue) }).enumerated() {
            result["grad.\(name)"] = try (i < gradients.count ? gradients[i] : nil) ?? tensor.zerosLike()
        }
        for (name, value) in loss.stateDict() { result["cls_loss.\(name)"] = value }
        try withNoGrad {
            head.eval()
            let prediction = try head.boxPredictions(features)
            if fresh { result["logits"] = prediction.logits }
            result["scores"] = try loss.scores(prediction.logits)
            result["deltas"] = prediction.deltas
        }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
    }
}
