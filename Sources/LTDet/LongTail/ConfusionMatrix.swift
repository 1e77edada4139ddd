import Torch

/// PCB's running confusion matrix over the C foreground classes: row = true class, column = predicted class,
/// each row an exponential moving average of the mean predicted distribution of that class's positive RoIs.
/// Only rows of classes present in a batch move, so rare classes keep what they last saw instead of decaying
/// towards zero while absent. `counts` holds the positive RoIs seen per class, for PCB's activity gate.
public final class ConfusionMatrix {
    public let numClasses: Int
    /// Weight of the old row in the moving average (0.99).
    public let momentum: Double
    /// Re-normalise each updated row to sum 1 (softmax and Seesaw; the sigmoid rows of EQL v2 are left raw).
    public let normalizesRows: Bool
    public var collectives: ProcessCollectives = .singleProcess
    public private(set) var matrix: Tensor
    public private(set) var counts: Tensor

    public init(numClasses: Int, momentum: Double = 0.99, normalizesRows: Bool) throws {
        self.numClasses = numClasses
        self.momentum = momentum
        self.normalizesRows = normalizesRows
        matrix = try .zeros([numClasses, numClasses])
        counts = try .zeros([numClasses])
    }

    public func moveState(to device: Device) throws {
        matrix = try matrix.to(device)
        counts = try counts.to(device)
    }

    /// Folds one batch in: `probabilities` is P x C (predicted foreground distribution of each positive RoI),
    /// `labels` its P true classes.
    public func update(probabilities: Tensor, labels: Tensor) throws {
        try withNoGrad {
            let p = try probabilities.detach().to(matrix.dtype)
            let ones = try Tensor.ones([labels.size(0)], dtype: counts.dtype, device: counts.device)
            let batchSums = try collectives.sum(try matrix.zerosLike().indexAdd(dim: 0, index: labels, src: p))
            let batchCounts = try collectives.sum(try counts.zerosLike().indexAdd(dim: 0, index: labels, src: ones))
            let present = try batchCounts.gt(0).nonzero().squeeze(dim: 1)
            guard present.size(0) > 0 else { return }
            let batchMean = try batchSums.index(present) / batchCounts.index(present).to(matrix.dtype).unsqueeze(dim: 1)
            var rows = try matrix.index(present) * momentum + batchMean * (1 - momentum)
            if normalizesRows { rows = try rows / rows.sum(dim: 1, keepDim: true) }
            try matrix.indexPut_(present, rows)
            counts = try counts + batchCounts
        }
    }

    /// Whether every class has been seen at least once (PCB stays off before that).
    public func coversEveryClass() throws -> Bool {
        try withNoGrad { try counts.gt(0).all().item() != 0 }
    }

    /// The fightback soft label of each RoI (P x C): column `label` of the matrix, i.e. how much every true
    /// class is mistaken for that class. `columnNormalized` divides each column by its sum (softmax, Seesaw).
    public func fightbackTargets(labels: Tensor, columnNormalized: Bool) throws -> Tensor {
        try withNoGrad {
            var m = matrix
            if columnNormalized { m = try m / m.sum(dim: 0, keepDim: true) }
            return try m.indexSelect(dim: 1, index: labels).t().contiguous()
        }
    }

    public func stateDict() -> [String: Tensor] { ["confusion": matrix, "confusion_count": counts] }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try LossState.restore("confusion", from: state, into: &matrix, owner: "ConfusionMatrix")
        try LossState.restore("confusion_count", from: state, into: &counts, owner: "ConfusionMatrix")
    }
}
