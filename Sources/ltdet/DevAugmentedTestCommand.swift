import ArgumentParser
import Foundation
import LTDet
import Torch

/// The merge arithmetic of test-time augmentation (`AugmentedTestMerge`, then the single-view `multiclass_nms`)
/// on given per-view outputs, so that scripts/reference/augmented_test.py can compare it with a Python version
/// of mmdet 2.x's merge_aug_proposals, merge_aug_bboxes, multiclass_nms and merge_aug_masks.
///
/// Input tensors, V views: `metas` (V x 5: view width, view height, scale x, scale y, mirrored 0/1),
/// `proposals_<v>` (P_v x 4) and `proposal_scores_<v>` (P_v), `rpn` (iou threshold, max per image),
/// `boxes_<v>` (N x 4C) and `scores_<v>` (N x C), `rcnn` (score threshold, iou threshold, max per image),
/// `masks_<v>` (K x S x S). Output: `merged_proposals`, `merged_proposal_scores`, `merged_boxes`,
/// `merged_scores`, `det_boxes`, `det_scores`, `det_labels`, `merged_masks`.
struct DevAugmentedTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augmented-test", abstract: "Test-time augmentation's merges on given view outputs (reference check hook).")

    @Option(help: "Input .safetensors (metas, proposals_<v>, proposal_scores_<v>, rpn, boxes_<v>, scores_<v>, rcnn, masks_<v>).")
    var `in`: String
    @Option(help: "Output .safetensors.") var out: String

    func run() throws {
        Runtime.configureProcess()
        let inputs = try Safetensors.load(from: URL(fileURLWithPath: `in`)).tensors
        func input(_ name: String) throws -> Tensor {
            guard let t = inputs[name] else { throw ValidationError("\(`in`): tensor '\(name)' is missing") }
            return t
        }
        let table = try input("metas")
        guard table.rank == 2, table.size(1) == 5, table.size(0) >= 1 else {
            throw ValidationError("\(`in`): 'metas' must be V x 5 (width, height, scale x, scale y, mirrored), got \(table.shape)")
        }
        let rows = try table.to(.float64).toArray(Double.self)
        let metas = (0..<table.size(0)).map { v in
            let r = Array(rows[(5 * v)..<(5 * v + 5)])
            return ImageMeta.view(
                originalWidth: 0, originalHeight: 0, width: Int(r[0]), height: Int(r[1]), scaleX: r[2], scaleY: r[3],
                mirrored: r[4] != 0)
        }
        let views = metas.indices
        let rpn = try input("rpn").to(.float64).toArray(Double.self)
        let rcnn = try input("rcnn").to(.float64).toArray(Double.self)
        guard rpn.count == 2, rcnn.count == 3 else {
            throw ValidationError("\(`in`): 'rpn' holds (iou threshold, max per image), 'rcnn' (score threshold, iou threshold, max per image)")
        }
        let proposals = try AugmentedTestMerge.mergeProposals(
            views.map { try AugmentedTestMerge.viewProposals(boxes: input("proposals_\($0)"), scores: input("proposal_scores_\($0)")) },
            metas: metas, iouThreshold: rpn[0], maxPerImage: Int(rpn[1]))
        let merged = try AugmentedTestMerge.mergeBoxes(
            views.map { try input("boxes_\($0)") }, scores: views.map { try input("scores_\($0)") }, metas: metas)
        let c = merged.scores.size(1)
        let detections = try StandardRoIHead.multiclassNMS(
            boxes: merged.boxes.reshape(-1, c, 4), scores: merged.scores,
            config: RCNNTestConfig(scoreThreshold: rcnn[0], iouThreshold: rcnn[1], maxPerImage: Int(rcnn[2])))
        let masks = try AugmentedTestMerge.mergeMasks(views.map { try input("masks_\($0)") }, metas: metas)
        try Safetensors.save(
            [
                "merged_proposals": proposals.boxes, "merged_proposal_scores": proposals.scores,
                "merged_boxes": merged.boxes, "merged_scores": merged.scores, "det_boxes": detections.boxes,
                "det_scores": detections.scores, "det_labels": detections.labels, "merged_masks": masks,
            ], to: URL(fileURLWithPath: out))
    }
}
