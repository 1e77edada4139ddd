import LVISKit
import Torch

/// `optimizer:` as in mmdet (`type: SGD, lr, momentum, weight_decay`); lr is for the whole batch.
public struct OptimizerSection: ConfigSection, Equatable {
    public var type = "SGD"
    public var lr = 0.02
    public var momentum = 0.9
    public var weightDecay = 1e-4
    public var nesterov = false
    /// Scale lr linearly with the batch size relative to this reference batch (mmdet's "lr 0.02 for 16
    /// images"); nil keeps lr as given.
    public var referenceBatchSize: Int?
    /// Clip the gradient norm to this value (mmdet `optimizer_config.grad_clip.max_norm`).
    public var gradClip: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case type, lr, momentum, nesterov
        case weightDecay = "weight_decay"
        case referenceBatchSize = "reference_batch_size"
        case gradClip = "grad_clip"
    }

    public func effectiveLR(batchSize: Int) -> Double {
        guard let reference = referenceBatchSize else { return lr }
        return lr * Double(batchSize) / Double(reference)
    }

    /// `file` is the config file the section came from, named by the error for an unknown type.
    public func makeOptimizer(parameters: [Parameter], batchSize: Int, file: String) throws -> any Optimizer {
        let rate = effectiveLR(batchSize: batchSize)
        switch type {
        case "SGD":
            return SGD(parameters, lr: rate, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov)
        case "AdamW":
            return AdamW(parameters, lr: rate, weightDecay: weightDecay)
        default:
            throw ConfigError(file: file, key: "optimizer.type", "unknown optimiser '\(type)' (SGD or AdamW)")
        }
    }
}

/// `lr_config:` as mmcv: `policy: step` with `step: [epochs]` (or `cosine`), linear warm-up in iterations;
/// `by_epoch: false` reads `step` in iterations (Detectron2's `SOLVER.STEPS`).
public struct LRSection: ConfigSection, Equatable {
    public var policy = "step"
    public var warmup: String? = "linear"
    public var warmupIters = 500
    public var warmupRatio = 0.001
    /// Epochs (iterations with `by_epoch: false`) after which the rate is multiplied by `gamma` (mmdet counts
    /// them as completed epochs).
    public var step: [Int] = [8, 11]
    /// Whether `step` counts epochs. Iterations do not drift when epochs vary in length (stochastic RFS).
    public var byEpoch = true
    public var gamma = 0.1
    public var minLRRatio = 0.0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case policy, warmup, step, gamma
        case warmupIters = "warmup_iters"
        case warmupRatio = "warmup_ratio"
        case minLRRatio = "min_lr_ratio"
        case byEpoch = "by_epoch"
    }

    /// The schedule in iterations for epochs of `iterationsPerEpoch` batches. `file` is the config file the
    /// section came from, named by the error for an unknown policy.
    public func makeSchedule(iterationsPerEpoch: Int, totalIterations: Int, file: String) throws -> any LRSchedule {
        let warm = warmup == nil ? 0 : warmupIters
        switch policy {
        case "step":
            return WarmupMultiStepSchedule(
                milestones: byEpoch ? step.map { $0 * iterationsPerEpoch } : step, gamma: gamma, warmupIterations: warm,
                warmupRatio: warmupRatio)
        case "cosine":
            return WarmupCosineSchedule(
                totalIterations: totalIterations, minRatio: minLRRatio, warmupIterations: warm, warmupRatio: warmupRatio)
        default:
            throw ConfigError(file: file, key: "lr_config.policy", "unknown policy '\(policy)' (step or cosine)")
        }
    }
}

/// `runner:` — how long to train: `EpochBasedRunner` (`max_epochs`, optionally cut at `max_iters`) or
/// `IterBasedRunner` (`max_iters` exactly, over as many epochs as that takes: Detectron2's `SOLVER.MAX_ITER`).
public struct RunnerSection: ConfigSection, Equatable {
    public var type = "EpochBasedRunner"
    public var maxEpochs = 12
    /// Optional cap in iterations (short runs, smoke tests); the length of an `IterBasedRunner` run.
    public var maxIters: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case type
        case maxEpochs = "max_epochs"
        case maxIters = "max_iters"
    }

    /// The epochs the trainer loops over: `max_epochs`, or for `IterBasedRunner` the fewest epochs (of the
    /// lengths `iterationsPerEpoch` gives) that hold `max_iters` iterations. `file` is named by errors.
    public func epochCount(iterationsPerEpoch: (Int) throws -> Int, file: String) throws -> Int {
        switch type {
        case "EpochBasedRunner": return maxEpochs
        case "IterBasedRunner":
            guard let maxIters, maxIters > 0 else {
                throw ConfigError(file: file, key: "runner.max_iters", "IterBasedRunner needs a positive max_iters")
            }
            var epochs = 0, iterations = 0
            while iterations < maxIters {
                epochs += 1
                let length = try iterationsPerEpoch(epochs)
                guard length > 0 else { throw ConfigError(file: file, key: "runner.max_iters", "epoch \(epochs) is empty") }
                iterations += length
            }
            return epochs
        default:
            throw ConfigError(file: file, key: "runner.type", "unknown runner '\(type)' (EpochBasedRunner or IterBasedRunner)")
        }
    }
}

/// `checkpoint_config:` — every `interval` epochs (and/or `interval_iters` iterations), keeping the newest `keep`.
public struct CheckpointSection: ConfigSection, Equatable {
    public var interval = 1
    public var intervalIters: Int?
    public var keep = 3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case interval, keep
        case intervalIters = "interval_iters"
    }
}

/// `evaluation:` — evaluate every `interval` epochs on the validation set with these metrics.
public struct EvaluationSection: ConfigSection, Equatable {
    public var interval = 1
    public var metric: [String] = ["bbox", "segm"]

    public init() {}

    /// The metrics as IoU types; `file` is the config file the section came from, named by the error for an
    /// unknown metric.
    public func iouTypes(file: String) throws -> [IoUType] {
        try metric.map { name in
            guard let type = IoUType(rawValue: name) else {
                throw ConfigError(file: file, key: "evaluation.metric", "unknown metric '\(name)' (bbox or segm)")
            }
            return type
        }
    }
}

/// `log_config:` — average and log the losses every `interval` iterations.
public struct LogSection: ConfigSection, Equatable {
    public var interval = 50

    public init() {}
}
