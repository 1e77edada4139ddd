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
    /// Sum the gradients of this many steps before each update (mmcv `GradientCumulativeOptimizerHook`
    /// `cumulative_iters`): 8 steps of 2 images on one device for an original's 16-image batch. Linear lr scaling
    /// (`reference_batch_size`) counts the accumulated batch, samples_per_gpu x cumulative_iters.
    public var cumulativeIters = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case type, lr, momentum, nesterov
        case weightDecay = "weight_decay"
        case referenceBatchSize = "reference_batch_size"
        case gradClip = "grad_clip"
        case cumulativeIters = "cumulative_iters"
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

    /// The schedule in iterations, given the number of batches of each (1-based) epoch. A step after epoch s
    /// falls on the first iteration after the first s epochs, summed epoch by epoch: mmcv changes an epoch-based
    /// rate at epoch boundaries, and with stochastic repeat-factor sampling epochs differ in length, so epoch 1's
    /// length times s would drift. `file` is the config file the section came from, named by the error for an
    /// unknown policy.
    public func makeSchedule(
        iterationsInEpoch: (Int) throws -> Int, totalIterations: Int, file: String
    ) throws -> any LRSchedule {
        let warm = warmup == nil ? 0 : warmupIters
        switch policy {
        case "step":
            // Epoch-based steps fall on real epoch boundaries; iteration-based ones (Detectron2 style) are given.
            var milestones = step
            if byEpoch {
                var boundaries = [0]
                for epoch in 1...max(step.max() ?? 0, 1) {
                    boundaries.append(boundaries[epoch - 1] + (try iterationsInEpoch(epoch)))
                }
                milestones = step.map { boundaries[max($0, 0)] }
            }
            return WarmupMultiStepSchedule(
                milestones: milestones, gamma: gamma, warmupIterations: warm,
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
