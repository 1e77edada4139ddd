import Foundation
import LVISKit
import Torch

/// One experiment of a config: builds the datasets, the model with its classification loss, the optimiser
/// and schedule, then trains (with periodic evaluation and exact resume) or tests.
public final class DetectionExperiment {
    public let config: ExperimentConfig
    public let workDirectory: URL
    /// The processes training together (nil: this one alone). Each takes its shard of every epoch; only rank 0
    /// writes checkpoints, logs and evaluation results.
    public let processGroup: ProcessGroup?

    public init(config: ExperimentConfig, workDirectory: URL, processGroup: ProcessGroup? = nil) {
        self.config = config
        self.workDirectory = workDirectory
        self.processGroup = processGroup
    }

    /// Whether this process writes the run's files (the only one, or rank 0 of a group).
    public var isMainProcess: Bool { (processGroup?.rank ?? 0) == 0 }

    /// Where this process's model runs (`ExperimentConfig.resolvedDevice`).
    public func device() throws -> Device { try config.resolvedDevice(rank: processGroup?.rank ?? 0) }

    /// The config's model on this process's device with the checkpoint's weights (test, predict): built
    /// without `pretrained` / `load_from`, which the checkpoint replaces.
    public func model(checkpoint: URL) throws -> MaskRCNN { try model(loading: try Checkpoint.read(checkpoint)) }

    /// The config's model on its device with the weights of `checkpoint`, already read.
    public func model(loading checkpoint: Checkpoint) throws -> MaskRCNN {
        let model = try makeModel(initialWeights: false)
        try model.move(to: try device())
        try model.load(stateDict: checkpoint.model)
        return model
    }

    public func loadDataset(_ split: DatasetSection, training: Bool) throws -> InstanceDataset {
        let skipInvalid = try config.data.loaderErrorPolicy(file: config.file) == .skip
        let dataset = try InstanceDataset(
            annotationFile: split.annFile,
            options: InstanceDataset.Options(
                imageRoot: split.imgPrefix, dropImagesWithoutAnnotations: training && split.filterEmptyGT,
                minImageSize: training ? InstanceDataset.minTrainingImageSize : 0, checkForTraining: training,
                skipInvalidAnnotations: skipInvalid, masksAsOutlines: training && !config.data.trainPipeline.poly2mask))
        if !dataset.skippedAnnotations.isEmpty {
            let shown = dataset.skippedAnnotations.prefix(5).map { "\($0)" }.joined(separator: "; ")
            reportToStandardError(
                "data.error_policy skip: left out \(dataset.skippedAnnotations.count) invalid annotations of \(split.annFile): "
                    + shown + (dataset.skippedAnnotations.count > 5 ? "; ..." : ""))
        }
        guard dataset.labels.count == config.model.numClasses else {
            throw ConfigError(
                file: config.file, key: "model.num_classes",
                "the model has \(config.model.numClasses) classes but \(split.annFile) has \(dataset.labels.count) categories")
        }
        return dataset
    }

    /// The model of the config. With `initialWeights` (the default) the backbone starts from `pretrained` and
    /// the whole model from `load_from`; without, both are skipped: a caller that loads a checkpoint next
    /// (testing) needs neither, nor the ImageNet file on disk.
    public func makeModel(initialWeights: Bool = true) throws -> MaskRCNN {
        let loss = try config.model.roiHead.bboxHead.makeClassificationLoss(numClasses: config.model.numClasses)
        let model = try MaskRCNN(config: config.model, classificationLoss: loss, seed: config.seed)
        guard initialWeights else { return model }
        if let path = config.pretrained {
            let weights = try StateDict.load(from: PretrainedWeights.resolve(path))
            // torchvision's classifier (fc.*) has no place in a detection backbone.
            let mismatch = try model.backbone.load(stateDict: weights.filter { !$0.key.hasPrefix("fc.") }, strict: false)
            if !mismatch.missing.isEmpty {
                throw TorchError("\(path): backbone weights are missing \(mismatch.missing.prefix(5).joined(separator: ", "))")
            }
        }
        if let path = config.loadFrom {
            // A work directory stands for its newest complete checkpoint (the previous stage's final weights).
            var isDirectory: ObjCBool = false
            var url = URL(fileURLWithPath: path)
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                guard let newest = Checkpoint.latest(in: url) else {
                    throw ConfigError(file: config.file, key: "load_from", "\(path) holds no complete checkpoint (iter_N.json + .safetensors)")
                }
                url = newest
            }
            let ckpt = try Checkpoint.read(url)
            let mismatch = try model.load(stateDict: ckpt.model, strict: false)
            // As mmcv's load_checkpoint: a fine-tuning stage may add or drop parts, so this is a report, not an error.
            for (what, names) in [("missing (left as initialised)", mismatch.missing), ("unexpected (ignored)", mismatch.unexpected)]
            where !names.isEmpty {
                FileHandle.standardError.write(Data(
                    "load_from \(path): \(names.count) \(what): \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", ..." : "")\n".utf8))
            }
        }
        return model
    }

    /// The test-time transforms of the config.
    public var testPipeline: SamplePipeline { pipeline(config.data.testPipeline, training: false) }

    func pipeline(_ section: PipelineSection, training: Bool) -> SamplePipeline {
        SamplePipeline(
            resize: section.resizePolicy, flipProbability: training ? section.flipRatio : 0,
            normalization: config.data.normalization, rasterizeMasks: training, withMasks: training,
            poly2mask: section.poly2mask)
    }

    /// Trains, evaluating every `evaluation.interval` epochs; with `resume` it continues `resumeFrom`, else the
    /// newest complete checkpoint of the work directory, if there is one. A run that does not continue a
    /// checkpoint refuses a work directory holding another run unless `overwrite` (see `WorkDirectory`).
    /// Returns the last evaluation.
    @discardableResult
    public func train(resume: Bool, resumeFrom: URL? = nil, overwrite: Bool = false) throws -> [(IoUType, EvaluationSummary)] {
        try config.validate()
        let device = try device()
        let train = try loadDataset(config.data.train, training: true)
        let shard = processGroup.map { Shard(rank: $0.rank, worldSize: $0.worldSize) } ?? .single
        let batchSize = config.data.samplesPerGPU
        let sampler = try config.data.sampler.makeSampler(
            dataset: train, seed: config.seed, batchSize: batchSize, shard: shard, file: config.file)
        let source = LoaderBatchSource(
            dataset: train, sampler: sampler, pipeline: pipeline(config.data.trainPipeline, training: true),
            options: DataLoader.Options(
                batchSize: batchSize, workers: config.data.workersPerGPU, seed: config.seed, rank: shard.rank,
                errorPolicy: try config.data.loaderErrorPolicy(file: config.file), device: device))
        // A checkpoint named by --resume-from must read; the newest of the work directory may be skipped for
        // the previous one when it does not (`Checkpoint.newestReadable` says which and why).
        var checkpoint: (url: URL, checkpoint: Checkpoint)?
        if resume, let resumeFrom {
            checkpoint = (resumeFrom, try Checkpoint.read(resumeFrom))
        } else if resume {
            checkpoint = Checkpoint.newestReadable(in: workDirectory, report: reportToStandardError)
            if checkpoint == nil {
                reportToStandardError("resume: no complete checkpoint in \(workDirectory.path), starting from iteration 0")
            }
        }
        // The work directory is rank 0's: another rank would find rank 0's fresh files and refuse the run.
        if isMainProcess {
            let directory = WorkDirectory(workDirectory)
            if checkpoint == nil { try directory.prepareFreshRun(overwrite: overwrite, config: config) }
            try directory.recordStart(config: config)
        }
        // A resumed run takes every weight from its checkpoint: the initial weights need not exist any more.
        let model = try makeModel(initialWeights: checkpoint == nil)
        // Before the optimiser takes the parameters; the checkpoint's CPU tensors are copied onto the device.
        try model.move(to: device)
        guard config.optimizer.cumulativeIters >= 1 else {
            throw ConfigError(
                file: config.file, key: "optimizer.cumulative_iters", "must be at least 1, not \(config.optimizer.cumulativeIters)")
        }
        if let patterns = config.trainParams {
            let trainable = try ParameterSelection(patterns: patterns).apply(to: model, file: config.file)
            FileHandle.standardError.write(Data(
                "train_params \(patterns): \(trainable.count) of \(model.namedParameters().count) parameters train\n".utf8))
        }
        if let processGroup { model.collectives = ProcessCollectives(group: processGroup) }
        // The learning rate scales with the batch of one update: every process's images, every accumulated step.
        let optimizer = try config.optimizer.makeOptimizer(
            parameters: model.trainableParameters(),
            batchSize: batchSize * shard.worldSize * config.optimizer.cumulativeIters, file: config.file)
        let epochs = try config.runner.epochCount(iterationsPerEpoch: source.iterationsPerEpoch, file: config.file)
        let total = try source.totalIterations(maxEpochs: epochs, maxIterations: config.runner.maxIters)
        let schedule = try config.lrConfig.makeSchedule(
            iterationsInEpoch: source.iterationsPerEpoch(epoch:), totalIterations: total, file: config.file)
        let settings = TrainerSettings(
            maxEpochs: epochs, maxIterations: config.runner.maxIters,
            checkpointEveryIterations: config.checkpointConfig.intervalIters,
            checkpointEveryEpochs: config.checkpointConfig.interval, keepCheckpoints: config.checkpointConfig.keep,
            logEveryIterations: config.logConfig.interval, clipGradNorm: config.optimizer.gradClip,
            cumulativeIterations: config.optimizer.cumulativeIters, fp16: config.fp16)
        let trainer = try Trainer(
            model: model, source: source, optimizer: optimizer, schedule: schedule, settings: settings,
            workDirectory: workDirectory, processGroup: processGroup)
        trainer.checkpointClasses = CheckpointClasses(trainingSet: train)
        var last: [(IoUType, EvaluationSummary)] = []
        let iouTypes = try config.evaluation.iouTypes(file: config.file)
        // Every rank predicts its shard of the validation images; rank 0 evaluates them all, while the others go
        // on and wait for it in the next epoch's first collective.
        if !iouTypes.isEmpty {
            let val = try loadDataset(config.data.val, training: false)
            trainer.register(EvaluationHook(interval: config.evaluation.interval) { [unowned self] epoch in
                last = try self.evaluate(
                    model: model, dataset: val, iouTypes: iouTypes,
                    resultsFile: self.workDirectory.appendingPathComponent("epoch_\(epoch).results.json"))
                var metrics: [String: Double] = [:]
                for (type, summary) in last {
                    for (k, v) in summary.metrics { metrics["\(type.rawValue)_\(k)"] = v }
                }
                return metrics
            })
        }
        if let balanced = config.balancedInit {
            guard balanced.imagesPerClass >= 1 else {
                throw ConfigError(
                    file: config.file, key: "balanced_init.images_per_class", "must be at least 1, got \(balanced.imagesPerClass)")
            }
            let initSource = LoaderBatchSource(
                dataset: train,
                sampler: BalancedInitSampler(imageCategories: train.imageCategories, imagesPerClass: balanced.imagesPerClass),
                pipeline: pipeline(config.data.trainPipeline, training: true),
                options: DataLoader.Options(
                    batchSize: batchSize, workers: config.data.workersPerGPU, seed: config.seed,
                    errorPolicy: try config.data.loaderErrorPolicy(file: config.file), device: device))
            trainer.register(BalancedInitializationHook(model: model, source: initSource))
        }
        if let checkpoint { try trainer.resume(from: checkpoint.url, checkpoint: checkpoint.checkpoint) }
        try trainer.run()
        return last
    }

    /// Tests a checkpoint on the validation split as training evaluates (what `ltdet test` runs): the config's
    /// model with the checkpoint's weights, without `pretrained` or `load_from`, which the checkpoint replaces.
    @discardableResult
    public func test(checkpoint: URL, iouTypes: [IoUType], resultsFile: URL) throws -> [(IoUType, EvaluationSummary)] {
        try config.validate()
        let model = try model(checkpoint: checkpoint)
        let val = try loadDataset(config.data.val, training: false)
        if isMainProcess {
            try FileManager.default.createDirectory(
                at: resultsFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        return try evaluate(model: model, dataset: val, iouTypes: iouTypes, resultsFile: resultsFile)
    }

    /// Predicts on `dataset`, writes the results (LVIS/COCO results format) and evaluates; prints the tables.
    /// In a process group every rank predicts its shard and only rank 0 writes and evaluates (the others
    /// return no summaries).
    public func evaluate(model: MaskRCNN, dataset: InstanceDataset, iouTypes: [IoUType], resultsFile: URL) throws
        -> [(IoUType, EvaluationSummary)]
    {
        let views = config.data.testPipeline.testViews
        if views.count > 1, isMainProcess {
            print("test-time augmentation: \(views.count) views per image (" + views.map { view in
                "\(view.resize.shortSides[0])/\(view.resize.maxLongSide)\(view.mirrored ? " mirrored" : "")"
            }.joined(separator: ", ") + "; short/long side), merged as mmdet's aug_test")
        }
        let errorPolicy = try config.data.loaderErrorPolicy(file: config.file)
        let results: [DetectionResult]
        if let processGroup, processGroup.worldSize > 1 {
            results = try ShardedInference.predict(
                model: model, dataset: dataset, pipeline: testPipeline, views: views, workers: config.data.workersPerGPU,
                errorPolicy: errorPolicy, group: processGroup)
            guard isMainProcess else { return [] }
        } else {
            results = try DetectionInference.predict(
                model: model, dataset: dataset, pipeline: testPipeline, views: views,
                batchSize: 1, workers: config.data.workersPerGPU, errorPolicy: errorPolicy)
        }
        try DetectionResults(results).write(to: resultsFile.path)
        print("wrote \(results.count) detections on \(dataset.count) images to \(resultsFile.path)")
        let summaries = try DetectionInference.evaluate(
            results: results, groundTruthPath: dataset.annotationPath, iouTypes: iouTypes)
        // The same for every IoU type: said once.
        for warning in summaries.first?.1.warnings ?? [] { reportToStandardError("\(dataset.annotationPath): warning: \(warning)") }
        for (type, summary) in summaries {
            print("\(type.rawValue) (\(results.count) detections on \(dataset.count) images):\n\(summary.table)")
        }
        try PerClassReport.write(
            summaries: summaries, groundTruthPath: dataset.annotationPath, trainingAnnotationPath: config.data.train.annFile,
            directory: resultsFile.deletingLastPathComponent())
        return summaries
    }
}
