/// The ranges a configuration must respect, checked once when it is loaded (and when a configuration built in
/// code starts an experiment): a value outside them would otherwise surface deep in training as a trap, a hang,
/// a NaN or a run that trains on nothing. Each error names the file, the key, the allowed range and the value.
extension ExperimentConfig {
    public func validate() throws {
        let check = RangeCheck(file: file)
        try check.atLeast(1, data.samplesPerGPU, "data.samples_per_gpu")
        // 0 loads in the calling thread, as PyTorch's DataLoader(num_workers=0).
        try check.atLeast(0, data.workersPerGPU, "data.workers_per_gpu")
        for (name, pipeline) in [("data.train_pipeline", data.trainPipeline), ("data.test_pipeline", data.testPipeline)] {
            guard !pipeline.shortSides.isEmpty else {
                throw ConfigError(file: file, key: name + ".short_sides", "needs at least one size, not []")
            }
            for (i, side) in pipeline.shortSides.enumerated() { try check.atLeast(1, side, "\(name).short_sides[\(i)]") }
            try check.atLeast(1, pipeline.maxLongSide, name + ".max_long_side")
            try check.within(0 ... 1, pipeline.flipRatio, name + ".flip_ratio")
        }
        if data.trainPipeline.imgScale != nil || data.trainPipeline.flip {
            throw ConfigError(
                file: file, key: data.trainPipeline.flip ? "data.train_pipeline.flip" : "data.train_pipeline.img_scale",
                "is test-time augmentation (data.test_pipeline only); training flips with flip_ratio and draws short_sides")
        }
        if let scales = data.testPipeline.imgScale {
            guard !scales.isEmpty else {
                throw ConfigError(file: file, key: "data.test_pipeline.img_scale", "needs at least one scale, not []")
            }
            for (i, scale) in scales.enumerated() {
                guard scale.count == 2 else {
                    throw ConfigError(
                        file: file, key: "data.test_pipeline.img_scale[\(i)]",
                        "a scale is a pair [long side, short side] as mmdet's (1333, 800), not \(scale)")
                }
                for (j, side) in scale.enumerated() { try check.atLeast(1, side, "data.test_pipeline.img_scale[\(i)][\(j)]") }
            }
        }
        try check.within(RepeatFactors.thresholdRange, data.sampler.threshold, "data.sampler.threshold")
        for (name, values) in [("data.mean", data.mean), ("data.std", data.std)] {
            guard values.count == 3 else {
                throw ConfigError(file: file, key: name, "needs 3 values (one per channel), not \(values)")
            }
        }
        for (i, v) in data.mean.enumerated() { try check.finite(v, "data.mean[\(i)]") }
        for (i, v) in data.std.enumerated() { try check.positive(v, "data.std[\(i)]") }

        try check.positive(optimizer.lr, "optimizer.lr")
        try check.within(0 ... 1, optimizer.momentum, "optimizer.momentum")
        try check.nonNegative(optimizer.weightDecay, "optimizer.weight_decay")
        if let reference = optimizer.referenceBatchSize { try check.atLeast(1, reference, "optimizer.reference_batch_size") }
        if let clip = optimizer.gradClip { try check.positive(clip, "optimizer.grad_clip") }

        try check.atLeast(0, lrConfig.warmupIters, "lr_config.warmup_iters")
        try check.within(0 ... 1, lrConfig.warmupRatio, "lr_config.warmup_ratio")
        try check.positive(lrConfig.gamma, "lr_config.gamma")
        try check.within(0 ... 1, lrConfig.minLRRatio, "lr_config.min_lr_ratio")
        for (i, epoch) in lrConfig.step.enumerated() { try check.atLeast(0, epoch, "lr_config.step[\(i)]") }

        try check.atLeast(1, runner.maxEpochs, "runner.max_epochs")
        if let iterations = runner.maxIters { try check.atLeast(1, iterations, "runner.max_iters") }
        try check.atLeast(1, checkpointConfig.interval, "checkpoint_config.interval")
        if let iterations = checkpointConfig.intervalIters { try check.atLeast(1, iterations, "checkpoint_config.interval_iters") }
        try check.atLeast(0, checkpointConfig.keep, "checkpoint_config.keep")
        try check.atLeast(1, evaluation.interval, "evaluation.interval")
        try check.atLeast(1, logConfig.interval, "log_config.interval")
        try check.atLeast(1, model.numClasses, "model.num_classes")
        switch fp16?.lossScale {
        case .fixed(let scale): try check.positive(scale, "fp16.loss_scale")
        case .dynamic(let s):
            try check.positive(s.initScale, "fp16.loss_scale.init_scale")
            guard s.growthFactor.isFinite, s.growthFactor > 1 else {
                throw ConfigError(
                    file: file, key: "fp16.loss_scale.growth_factor", "must be a finite number above 1, not \(s.growthFactor)")
            }
            guard s.backoffFactor > 0, s.backoffFactor < 1 else {
                throw ConfigError(
                    file: file, key: "fp16.loss_scale.backoff_factor", "must be above 0 and below 1, not \(s.backoffFactor)")
            }
            try check.atLeast(1, s.growthInterval, "fp16.loss_scale.growth_interval")
        case nil: break
        }
    }
}

/// Range checks that name the file, the key, the range and the value.
private struct RangeCheck {
    let file: String

    func atLeast(_ minimum: Int, _ value: Int, _ key: String) throws {
        guard value >= minimum else { throw ConfigError(file: file, key: key, "must be at least \(minimum), not \(value)") }
    }

    func finite(_ value: Double, _ key: String) throws {
        guard value.isFinite else { throw ConfigError(file: file, key: key, "must be a finite number, not \(value)") }
    }

    func positive(_ value: Double, _ key: String) throws {
        guard value.isFinite, value > 0 else {
            throw ConfigError(file: file, key: key, "must be a finite number above 0, not \(value)")
        }
    }

    func nonNegative(_ value: Double, _ key: String) throws {
        guard value.isFinite, value >= 0 else {
            throw ConfigError(file: file, key: key, "must be a finite number of at least 0, not \(value)")
        }
    }

    func within(_ range: ClosedRange<Double>, _ value: Double, _ key: String) throws {
        guard range.contains(value) else {
            throw ConfigError(
                file: file, key: key, "must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }
}
