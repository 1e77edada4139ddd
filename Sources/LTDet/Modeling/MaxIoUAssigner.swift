import Torch

// Assigns each box (anchor or proposal) to a ground-truth box or to background (mmdet `MaxIoUAssigner`,
// no ignore regions). Input: N boxes, M ground-truth boxes and labels. Output: per box the 1-based index of
// its ground truth, 0 for background, -1 for neither.

/// The outcome of an assignment.
public struct AssignResult {
    /// N int64: i + 1 when assigned to ground truth i, 0 for background, -1 for ignored.
    public var gtIndices: Tensor
    /// N float: the largest IoU of each box with any ground truth (0 when there is none).
    public var maxOverlaps: Tensor
    /// N int64: the class of the assigned ground truth, -1 for boxes that are not positive.
    public var labels: Tensor
    public var numGts: Int
}

public struct MaxIoUAssigner: Sendable {
    public var posIoUThreshold: Double
    public var negIoUThreshold: Double
    /// The lowest IoU at which a ground truth may still claim its best box (low-quality matching).
    public var minPosIoU: Double
    /// Whether every box tied for a ground truth's best IoU gets it, or only the first.
    public var gtMaxAssignAll: Bool
    /// Whether each ground truth claims its best boxes even below `posIoUThreshold`, so none is left unmatched.
    public var matchLowQuality: Bool

    public init(
        posIoUThreshold: Double, negIoUThreshold: Double, minPosIoU: Double, gtMaxAssignAll: Bool = true,
        matchLowQuality: Bool = true
    ) {
        self.posIoUThreshold = posIoUThreshold
        self.negIoUThreshold = negIoUThreshold
        self.minPosIoU = minPosIoU
        self.gtMaxAssignAll = gtMaxAssignAll
        self.matchLowQuality = matchLowQuality
    }

    public func assign(boxes: Tensor, gtBoxes: Tensor, gtLabels: Tensor) throws -> AssignResult {
        let n = boxes.size(0)
        let m = gtBoxes.size(0)
        if m == 0 || n == 0 {
            return AssignResult(
                gtIndices: try Tensor.zeros([n], dtype: .int64, device: boxes.device),
                maxOverlaps: try Tensor.zeros([n], device: boxes.device),
                labels: try Tensor.full([n], -1, dtype: .int64, device: boxes.device), numGts: m)
        }
        let overlaps = try Boxes.iou(Boxes(gtBoxes), Boxes(boxes))  // M x N
        let (maxOverlaps, argmax) = try overlaps.max(dim: 0)
        var assigned = try Tensor.full([n], -1, dtype: .int64, device: boxes.device)
        let negative = try maxOverlaps.ge(0).logicalAnd(maxOverlaps.lt(negIoUThreshold))
        assigned = try assigned.maskedFill(negative, 0)
        let one = try Tensor(scalar: 1, dtype: .int64, device: boxes.device)
        let positive = try maxOverlaps.ge(posIoUThreshold)
        assigned = try Tensor.where(positive, argmax + one, assigned)

        if matchLowQuality {
            let gtMax = try overlaps.max(dim: 1).values  // M
            let eligible = try gtMax.ge(minPosIoU).unsqueeze(dim: 1)
            var claims: Tensor
            if gtMaxAssignAll {
                claims = try overlaps.eq(gtMax.unsqueeze(dim: 1)).logicalAnd(eligible)
            } else {
                let best = try overlaps.argmax(dim: 1)
                claims = try best.unsqueeze(dim: 1).eq(Tensor.arange(n, device: boxes.device).unsqueeze(dim: 0))
                claims = try claims.logicalAnd(eligible)
            }
            // mmdet visits ground truths in order, so a box claimed by several keeps the last one.
            let ids = try Tensor.arange(1, Double(m + 1), device: boxes.device).unsqueeze(dim: 1)
            let lastClaim = try (claims.to(.int64) * ids).amax([0])
            assigned = try Tensor.where(lastClaim.gt(0), lastClaim, assigned)
        }
        let isPositive = try assigned.gt(0)
        let gtOfBox = try Tensor.where(isPositive, assigned - one, assigned.zerosLike())
        let labels = try Tensor.where(
            isPositive, gtLabels.index(gtOfBox), Tensor.full([n], -1, dtype: .int64, device: boxes.device))
        return AssignResult(gtIndices: assigned, maxOverlaps: maxOverlaps, labels: labels, numGts: m)
    }
}
