import Torch

// Draws a fixed-size batch of positive and negative boxes from an assignment (mmdet `RandomSampler`,
// no negative/positive upper bound). With `addGtAsProposals` the ground-truth boxes are prepended to the
// candidates as positives of themselves, so the RoI head always sees well-localised examples.

/// The sampled boxes of one image.
public struct SamplingResult {
    /// P x 4 positive boxes, then their 0-based ground-truth indices, classes and boxes.
    public var positiveBoxes: Tensor
    public var positiveGtIndices: Tensor
    public var positiveLabels: Tensor
    public var positiveGtBoxes: Tensor
    /// Q x 4 negative boxes.
    public var negativeBoxes: Tensor
    /// Indices of the positives and negatives among the candidates (ground truths first when prepended).
    public var positiveIndices: Tensor
    public var negativeIndices: Tensor

    public var numPositives: Int { positiveBoxes.size(0) }
    public var numNegatives: Int { negativeBoxes.size(0) }
    /// Positives then negatives: the rows the RoI head pools.
    public func boxes() throws -> Tensor { try Tensor.cat([positiveBoxes, negativeBoxes], dim: 0) }
}

public struct RandomSampler: Sendable {
    public var num: Int
    public var positiveFraction: Double
    public var addGtAsProposals: Bool

    public init(num: Int, positiveFraction: Double, addGtAsProposals: Bool) {
        self.num = num
        self.positiveFraction = positiveFraction
        self.addGtAsProposals = addGtAsProposals
    }

    /// Samples from `boxes` assigned by `assigner` to `gtBoxes` (assignment happens here so that the
    /// prepended ground truths are assigned too, as mmdet's `add_gt_` does).
    public func sample(
        boxes: Tensor, gtBoxes: Tensor, gtLabels: Tensor, assigner: MaxIoUAssigner, generator: Generator
    ) throws -> SamplingResult {
        let candidates = addGtAsProposals && gtBoxes.size(0) > 0 ? try Tensor.cat([gtBoxes, boxes], dim: 0) : boxes
        var assignment = try assigner.assign(boxes: boxes, gtBoxes: gtBoxes, gtLabels: gtLabels)
        if addGtAsProposals && gtBoxes.size(0) > 0 {
            let m = gtBoxes.size(0)
            assignment.gtIndices = try Tensor.cat([Tensor.arange(1, Double(m + 1), device: boxes.device), assignment.gtIndices])
            assignment.labels = try Tensor.cat([gtLabels, assignment.labels])
        }
        return try sample(assignment: assignment, candidates: candidates, gtBoxes: gtBoxes, generator: generator)
    }

    /// Samples from candidates that are already assigned.
    public func sample(
        assignment: AssignResult, candidates: Tensor, gtBoxes: Tensor, generator: Generator
    ) throws -> SamplingResult {
        let expectedPositives = Int(Double(num) * positiveFraction)
        let positives = try choose(
            try assignment.gtIndices.gt(0).nonzero().reshape(-1), count: expectedPositives, generator: generator)
        let negatives = try choose(
            try assignment.gtIndices.eq(0).nonzero().reshape(-1), count: num - positives.size(0), generator: generator)
        let gtIndex = try assignment.gtIndices.index(positives) - Tensor(scalar: 1, dtype: .int64)
        let gtForPositives = gtBoxes.size(0) > 0
            ? try gtBoxes.index(gtIndex) : try Tensor.zeros([0, 4], dtype: candidates.dtype, device: candidates.device)
        return SamplingResult(
            positiveBoxes: try candidates.index(positives), positiveGtIndices: gtIndex,
            positiveLabels: try assignment.labels.index(positives), positiveGtBoxes: gtForPositives,
            negativeBoxes: try candidates.index(negatives), positiveIndices: positives, negativeIndices: negatives)
    }

    /// At most `count` of `indices`, drawn without replacement.
    private func choose(_ indices: Tensor, count: Int, generator: Generator) throws -> Tensor {
        guard indices.size(0) > count else { return indices }
        let perm = try Tensor.randperm(indices.size(0), generator: generator).slice(dim: 0, end: count)
        return try indices.index(perm.to(indices.device))
    }
}
