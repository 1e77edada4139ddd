import Foundation
import Torch

/// LOCE's running mean classification score per class, m (C+1 entries, starting at 0.01, background pinned).
/// One observation is the mean softmax score of the true class over the positive RoIs of one ground-truth
/// instance (so an object covered by many proposals counts once), or over the replayed memory rows of one
/// class. A class with n observations in a step moves by m = a^n m + (1 - a^n) mean(observations): each
/// observation counts as one step of an EMA with momentum a = 0.9.
public final class MeanScoreTracker {
    public let numClasses: Int
    public let momentum: Double
    public let backgroundScore: Double
    public var collectives: ProcessCollectives = .singleProcess
    public private(set) var meanScore: Tensor

    public func moveState(to device: Device) throws { meanScore = try meanScore.to(device) }

    public init(numClasses: Int, momentum: Double = 0.9, backgroundScore: Double = 0.01) throws {
        self.numClasses = numClasses
        self.momentum = momentum
        self.backgroundScore = backgroundScore
        meanScore = try .full([numClasses + 1], backgroundScore)
    }

    /// Updates m from one batch, before the loss, outside autograd. `instanceIDs` follows
    /// `ClassificationLossInput.instanceIDs`; without it each positive row is grouped with its class.
    public func observe(logits: Tensor, labels: Tensor, instanceIDs: Tensor?) throws {
        try withNoGrad {
            let rowLabels = try labels.toArray(Int64.self)
            let ids = try instanceIDs?.to(.int64).toArray(Int64.self)
                ?? rowLabels.map { $0 < numClasses ? Int64(ClassificationLossInput.replayedRow) : Int64(ClassificationLossInput.notObserved) }
            let column = try labels.clamp(max: Double(numClasses)).to(.int64).unsqueeze(dim: 1)
            let ownScores = try logits.detach().softmax(dim: 1).gather(dim: 1, index: column).squeeze(dim: 1)
                .to(.float64).toArray(Double.self)

            // Group rows: by instance for sampled positives, by class for replayed rows (order of first
            // appearance, which only affects summation order).
            var groupKeys: [GroupKey] = []
            var groups: [GroupKey: (label: Int64, sum: Double, count: Int)] = [:]
            for i in rowLabels.indices {
                let label = rowLabels[i]
                guard label >= 0, label < numClasses else { continue }
                let key: GroupKey
                switch ids[i] {
                case let id where id >= 0: key = .instance(id)
                case Int64(ClassificationLossInput.replayedRow): key = .replayedClass(label)
                default: continue
                }
                if groups[key] == nil { groupKeys.append(key) }
                groups[key, default: (label, 0, 0)].sum += ownScores[i]
                groups[key]!.count += 1
            }
            let observedLabels = groupKeys.map { groups[$0]!.label }
            let observedMeans = groupKeys.map { groups[$0]!.sum / Double(groups[$0]!.count) }
            let allLabels = try collectives.gather(try Tensor(observedLabels)).toArray(Int64.self)
            let allMeans = try collectives.gather(try Tensor(observedMeans)).toArray(Double.self)

            var perClass: [Int64: [Double]] = [:]
            for (label, mean) in zip(allLabels, allMeans) { perClass[label, default: []].append(mean) }
            var m = try meanScore.to(.float64).toArray(Double.self)
            for (label, observations) in perClass {
                let decay = pow(momentum, Double(observations.count))
                let batchMean = observations.reduce(0, +) / Double(observations.count)
                m[Int(label)] = decay * m[Int(label)] + (1 - decay) * batchMean
            }
            m[numClasses] = backgroundScore
            meanScore = try Tensor(m).to(meanScore.dtype, meanScore.device)
        }
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try LossState.restore("mean_score", from: state, into: &meanScore, owner: "MeanScoreTracker")
    }

    private enum GroupKey: Hashable {
        case instance(Int64)
        case replayedClass(Int64)
    }
}
