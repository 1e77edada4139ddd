import ArgumentParser
import Foundation
import LTDet
import Torch

/// Runs LTDet's model parts on tensors from a safetensors file and writes their outputs, for
/// scripts/reference/check_model.sh. Each part runs when its inputs are present (names by prefix):
/// `images` (+ --weights: ResNet, out `c2..c5`, + FPN when the weights have one, out `p2..p6`), `roi_align.*`, `nms.*`, `batched_nms.*`,
/// `anchors.*`, `coder.*`, `assign.*`, `levels.rois`.
struct DevModelCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-check", abstract: "Run Mask R-CNN parts on tensors from a file (reference check hook).")

    @Option(help: "Inputs (.safetensors).") var `in`: String
    @Option(help: "For `images`: backbone + FPN weights with mmdet names (backbone.*, neck.*), or a torchvision ResNet (a path or torchvision://resnetNN).")
    var weights: String?
    @Option(help: "ResNet depth of the weights.") var depth = 50
    @Option(help: "ResNeXt groups (1: ResNet).") var groups = 1
    @Option(help: "ResNeXt width per group (64: ResNet).") var baseWidth = 64
    @Option(help: "Output .safetensors file.") var out: String

    func run() throws {
        Runtime.configureProcess()
        let inputs = try Safetensors.load(from: URL(fileURLWithPath: `in`)).tensors
        func value(_ name: String) throws -> Double { try inputs[name]!.item() }
        var result: [String: Tensor] = [:]

        if let images = inputs["images"], let weights {
            let state = try StateDict.load(from: PretrainedWeights.resolve(weights))
            let backbone = try ResNet(depth: depth, norm: .frozenBN, frozenStages: -1, groups: groups, baseWidth: baseWidth)
            // A detector's weights (backbone.*, neck.*) or a bare torchvision ResNet state dict.
            let isDetector = state.keys.contains { $0.hasPrefix("backbone.") }
            try backbone.loadPretrained(isDetector ? state.filter { $0.key.hasPrefix("backbone.") } : state)
            backbone.eval()
            try withNoGrad {
                let c = try backbone(images)
                for (i, t) in c.enumerated() { result["c\(i + 2)"] = t }
                if let lateral = state["neck.lateral_convs.0.conv.weight"] {
                    let neck = try FPN(inChannels: backbone.outChannels, outChannels: lateral.size(0))
                    try neck.load(stateDict: state.filter { $0.key.hasPrefix("neck.") }, prefix: "neck.")
                    for (i, t) in try neck(c).enumerated() { result["p\(i + 2)"] = t }
                }
            }
        }
        if let features = inputs["roi_align.features"] {
            let x = try features.detach().requiresGrad(true)
            let size = try Int(value("roi_align.output_size"))
            let pooled = try DetectionOps.roiAlign(
                x, rois: inputs["roi_align.rois"]!, spatialScale: value("roi_align.spatial_scale"), outputSize: (size, size),
                samplingRatio: Int(value("roi_align.sampling_ratio")), aligned: value("roi_align.aligned") != 0)
            try (pooled * inputs["roi_align.grad_output"]!).sum().backward()
            result["roi_align.pooled"] = pooled
            result["roi_align.grad_input"] = x.grad!
        }
        if let boxes = inputs["nms.boxes"] {
            result["nms.keep"] = try DetectionOps.nms(
                boxes: boxes, scores: inputs["nms.scores"]!, iouThreshold: value("nms.iou_threshold"))
        }
        for name in ["batched_nms", "batched_nms_large"] {
            if let boxes = inputs["\(name).boxes"] {
                result["\(name).keep"] = try DetectionOps.batchedNMS(
                    boxes: boxes, scores: inputs["\(name).scores"]!, classes: inputs["\(name).classes"]!,
                    iouThreshold: value("\(name).iou_threshold"))
            }
        }
        if let sizes = inputs["anchors.feature_sizes"] {
            let hw = try sizes.toArray(Int64.self)
            let featureSizes = (0..<(hw.count / 2)).map { (height: Int(hw[2 * $0]), width: Int(hw[2 * $0 + 1])) }
            let generator = AnchorGenerator(
                strides: try inputs["anchors.strides"]!.toArray(Int64.self).map(Int.init),
                scales: try inputs["anchors.scales"]!.toArray(Double.self), ratios: try inputs["anchors.ratios"]!.toArray(Double.self))
            let valid = try inputs["anchors.valid_size"]!.toArray(Int64.self)
            for (i, a) in try generator.anchors(featureSizes: featureSizes).enumerated() { result["anchors.level\(i)"] = a }
            let flags = try generator.validFlags(featureSizes: featureSizes, validSize: (Int(valid[0]), Int(valid[1])))
            for (i, f) in flags.enumerated() { result["anchors.valid\(i)"] = f }
        }
        if let proposals = inputs["coder.proposals"] {
            let coder = DeltaXYWHBoxCoder(stds: try inputs["coder.stds"]!.toArray(Double.self))
            let shape = try inputs["coder.max_shape"]!.toArray(Int64.self)
            result["coder.encoded"] = try coder.encode(proposals: proposals, targets: inputs["coder.targets"]!)
            result["coder.decoded"] = try coder.decode(
                boxes: proposals, deltas: inputs["coder.deltas"]!, maxShape: (Int(shape[0]), Int(shape[1])))
        }
        if let boxes = inputs["assign.boxes"] {
            let t = try inputs["assign.thresholds"]!.toArray(Double.self)
            let assigner = MaxIoUAssigner(
                posIoUThreshold: t[0], negIoUThreshold: t[1], minPosIoU: t[2], gtMaxAssignAll: t[3] != 0,
                matchLowQuality: t[4] != 0)
            let r = try assigner.assign(boxes: boxes, gtBoxes: inputs["assign.gt_boxes"]!, gtLabels: inputs["assign.gt_labels"]!)
            result["assign.gt_indices"] = r.gtIndices
            result["assign.labels"] = r.labels
        }
        if let rois = inputs["levels.rois"] {
            result["levels.levels"] = try MultiLevelRoIAlign(outputSize: 7).levels(rois: rois)
        }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
        print("wrote \(result.count) tensors to \(out)")
    }
}
