import Foundation

/// A learning-rate schedule maps the iteration (0-based) to a factor of each group's initial rate.
public protocol LRSchedule: Sendable {
    func factor(iteration: Int) -> Double
}

extension LRSchedule {
    /// Sets every group's rate for this iteration.
    public func apply(to optimizer: any Optimizer, iteration: Int) {
        let f = factor(iteration: iteration)
        for g in optimizer.groups { g.lr = g.initialLR * f }
    }
}

/// Linear warm-up then step decay, as mmcv's `step` policy with `warmup='linear'`: during the first
/// `warmupIterations` the factor is 1 - (1 - i / warmup) * (1 - warmupRatio) times the step factor;
/// the step factor is gamma^(number of milestones <= iteration).
public struct WarmupMultiStepSchedule: LRSchedule {
    public let milestones: [Int]
    public let gamma: Double
    public let warmupIterations: Int
    public let warmupRatio: Double

    public init(milestones: [Int], gamma: Double = 0.1, warmupIterations: Int = 500, warmupRatio: Double = 0.001) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
        self.warmupIterations = warmupIterations
        self.warmupRatio = warmupRatio
    }

    public func factor(iteration: Int) -> Double {
        let passed = milestones.filter { iteration >= $0 }.count
        var f = pow(gamma, Double(passed))
        if iteration < warmupIterations {
            let k = (1 - Double(iteration) / Double(warmupIterations)) * (1 - warmupRatio)
            f *= 1 - k
        }
        return f
    }
}

/// Linear warm-up then cosine annealing from 1 to `minRatio` over `totalIterations`.
public struct WarmupCosineSchedule: LRSchedule {
    public let totalIterations: Int
    public let minRatio: Double
    public let warmupIterations: Int
    public let warmupRatio: Double

    public init(totalIterations: Int, minRatio: Double = 0, warmupIterations: Int = 0, warmupRatio: Double = 0.001) {
        self.totalIterations = totalIterations
        self.minRatio = minRatio
        self.warmupIterations = warmupIterations
        self.warmupRatio = warmupRatio
    }

    public func factor(iteration: Int) -> Double {
        let progress = min(1, Double(iteration) / Double(max(1, totalIterations)))
        var f = minRatio + (1 - minRatio) * 0.5 * (1 + cos(Double.pi * progress))
        if iteration < warmupIterations {
            let k = (1 - Double(iteration) / Double(warmupIterations)) * (1 - warmupRatio)
            f *= 1 - k
        }
        return f
    }
}
