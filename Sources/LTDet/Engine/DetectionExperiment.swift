import Foundation
import LVISKit
import Torch

/// One experiment of a config: builds the datasets, the model with its classification loss, the optimiser
/// and schedule, then trains (with periodic evaluation and exact resume) or tests.
public final class DetectionExperiment {
    public let config: ExperimentConfig
    public let workDirectory: URL

    public init(config: ExperimentConfig, workDirectory: URL) {
        self.config = config
        self.workDirectory = workDirectory
    }

    public func loadDataset(_ split: DatasetSection, training: Bool) throws -> InstanceDataset {
        let dataset = try InstanceDataset(
            annotationFile: split.annFile,
            options: InstanceDataset.Options(
                imageRoot: split.imgPrefix, dropImagesWithoutAnnotations: training && split.filterEmptyGT,
                checkForTraining: training))
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
            let ckpt = try Checkpoint.read(URL(fileURLWithPath: path))
            try model.load(stateDict: ckpt.model, strict: false)
        }
        return model
    }

    /// The test-time transforms of the config.
    public var testPipeline: SamplePipeline { pipeline(config.data.testPipeline, training: false) }

    func pipeline(_ section: PipelineSection, training: Bool) -> SamplePipeline {
        SamplePipeline(
            resize: section.resizePolicy, flipProbability: training ? section.flipRatio : 0,
            normalization: config.data.normalization, rasterizeMasks: training, withMasks: training)
    }

    /// Trains, evaluating every `evaluation.interval` epochs; with `resume` it continues `resumeFrom`, else the
    /// newest complete checkpoint of the work directory, if there is one. A run that does not continue a
    /// checkpoint refuses a work directory holding another run unless `overwrite` (see `WorkDirectory`).
    /// Returns the last evaluation.
    @discardableResult
    public func train(resume: Bool, resumeFrom: URL? = nil, overwrite: Bool = false) throws -> [(IoUType, EvaluationSummary)] {
        try config.validate()
        let train = try loadDataset(config.data.train, training: true)
        let sampler = try config.data.sampler.makeSampler(dataset: train, seed: config.seed, file: config.file)
        let batchSize = config.data.samplesPerGPU
        let source = LoaderBatchSource(
            dataset: train, sampler: sampler, pipeline: pipeline(config.data.trainPipeline, training: true),
            options: DataLoader.Options(
                batchSize: batchSize, workers: config.data.workersPerGPU, seed: config.seed,
                errorPolicy: try config.data.loaderErrorPolicy(file: config.file)))
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
        let directory = WorkDirectory(workDirectory)
        if checkpoint == nil { try directory.prepareFreshRun(overwrite: overwrite, config: config) }
        try directory.recordStart(config: config)
        // A resumed run takes every weight from its checkpoint: the initial weights need not exist any more.
        let model = try makeModel(initialWeights: checkpoint == nil)
        let optimizer = try config.optimizer.makeOptimizer(
            parameters: model.trainableParameters(), batchSize: batchSize, file: config.file)
        let perEpoch = try source.iterationsPerEpoch(epoch: 1)
        let epochs = try config.runner.epochCount(iterationsPerEpoch: source.iterationsPerEpoch, file: config.file)
        let total = try source.totalIterations(maxEpochs: epochs, maxIterations: config.runner.maxIters)
        let schedule = try config.lrConfig.makeSchedule(
            iterationsPerEpoch: perEpoch, totalIterations: total, file: config.file)
        let settings = TrainerSettings(
            maxEpochs: epochs, maxIterations: config.runner.maxIters,
            checkpointEveryIterations: config.checkpointConfig.intervalIters,
            checkpointEveryEpochs: config.checkpointConfig.interval, keepCheckpoints: config.checkpointConfig.keep,
            logEveryIterations: config.logConfig.interval, clipGradNorm: config.optimizer.gradClip)
        let trainer = try Trainer(
            model: model, source: source, optimizer: optimizer, schedule: schedule, settings: settings,
            workDirectory: workDirectory)
        var last: [(IoUType, EvaluationSummary)] = []
        let iouTypes = try config.evaluation.iouTypes(file: config.file)
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
        if let checkpoint { try trainer.resume(from: checkpoint.url, checkpoint: checkpoint.checkpoint) }
        try trainer.run()
        return last
    }

    /// Tests a checkpoint on the validation split as training evaluates (what `ltdet test` runs): the config's
    /// model with the checkpoint's weights, without `pretrained` or `load_from`, which the checkpoint replaces.
    @discardableResult
    public func test(checkpoint: URL, iouTypes: [IoUType], resultsFile: URL) throws -> [(IoUType, EvaluationSummary)] {
        try config.validate()
        let model = try makeModel(initialWeights: false)
        try model.load(stateDict: try Checkpoint.read(checkpoint).model)
        let val = try loadDataset(config.data.val, training: false)
        try FileManager.default.createDirectory(
            at: resultsFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        return try evaluate(model: model, dataset: val, iouTypes: iouTypes, resultsFile: resultsFile)
    }

    /// Predicts on `dataset`, writes the results (LVIS/COCO results format) and evaluates; prints the tables.
    public func evaluate(model: MaskRCNN, dataset: InstanceDataset, iouTypes: [IoUType], resultsFile: URL) throws
        -> [(IoUType, EvaluationSummary)]
    {
        let results = try DetectionInference.predict(
            model: model, dataset: dataset, pipeline: testPipeline,
            batchSize: 1, workers: config.data.workersPerGPU, errorPolicy: try config.data.loaderErrorPolicy(file: config.file))
        try DetectionResults(results).write(to: resultsFile.path)
        print("wrote \(results.count) detections on \(dataset.count) images to \(resultsFile.path)")
        let summaries = try DetectionInference.evaluate(
            results: results, groundTruthPath: dataset.annotationPath, iouTypes: iouTypes)
        // The same for every IoU type: said once.
        for warning in summaries.first?.1.warnings ?? [] { reportToStandardError("\(dataset.annotationPath): warning: \(warning)") }
        for (type, summary) in summaries {
            print("\(type.rawValue) (\(results.count) detections on \(dataset.count) images):\n\(summary.table)")
        }
        return summaries
    }
}
