import Foundation
import LVISKit
import Torch

/// Test-time inference over a dataset, and evaluation of the results with LVISKit.
public enum DetectionInference {
    /// Runs the model on every image of `dataset` (in order) and returns LVIS/COCO results: boxes as
    /// [x, y, w, h] in original pixels, category ids of the dataset, masks as RLE. With more than one of `views`
    /// (the test pipeline's `testViews`) each image is seen through every view and the detections are merged
    /// as mmdet's `aug_test` (`MaskRCNN.predictAugmented`), one image at a time. With a `shard`, only the images
    /// of that shard (see `ShardedInference`).
    public static func predict(
        model: MaskRCNN, dataset: InstanceDataset, pipeline: SamplePipeline, views: [TestView] = [], batchSize: Int = 1,
        workers: Int = 2, errorPolicy: DataLoader.ErrorPolicy = .fail, shard: Shard = .single
    ) throws -> [DetectionResult] {
        model.eval()
        if views.count > 1 {
            return try predictAugmented(
                model: model, dataset: dataset, pipeline: pipeline, views: views, workers: workers, errorPolicy: errorPolicy,
                shard: shard)
        }
        var testPipeline = pipeline
        testPipeline.withMasks = false
        testPipeline.flipProbability = 0
        let sampler = SequentialSampler(count: dataset.count, shard: shard, padsShards: false)
        let loader = DataLoader(
            dataset: dataset, sampler: sampler, pipeline: testPipeline,
            options: DataLoader.Options(
                batchSize: batchSize, workers: workers, errorPolicy: errorPolicy, epochs: 1, device: model.device))
        let progress = ProgressReporter(total: sampler.indices(forEpoch: 0).count, label: "test")
        var results: [DetectionResult] = []
        var done = 0
        while let batch = try loader.next() {
            let detections = try model.predict(images: try batch.imagesTensor(on: model.device), metas: batch.metas)
            for (meta, d) in zip(batch.metas, detections) {
                results += try convert(d, imageID: meta.imageID, labels: dataset.labels)
            }
            done += batch.count
            progress.update(done, detail: "\(results.count) detections")
        }
        return results
    }

    /// Test-time augmentation: one loader per view walks the images in the same order, so that step i of every
    /// loader holds view v of image i.
    static func predictAugmented(
        model: MaskRCNN, dataset: InstanceDataset, pipeline: SamplePipeline, views: [TestView], workers: Int,
        errorPolicy: DataLoader.ErrorPolicy, shard: Shard
    ) throws -> [DetectionResult] {
        let sampler = SequentialSampler(count: dataset.count, shard: shard, padsShards: false)
        let loaders = views.map { view in
            var viewPipeline = pipeline
            viewPipeline.withMasks = false
            viewPipeline.resize = view.resize
            viewPipeline.flipProbability = view.mirrored ? 1 : 0
            return DataLoader(
                dataset: dataset, sampler: sampler, pipeline: viewPipeline,
                options: DataLoader.Options(
                    batchSize: 1, workers: workers, errorPolicy: errorPolicy, epochs: 1, device: model.device))
        }
        let progress = ProgressReporter(total: sampler.indices(forEpoch: 0).count, label: "test (\(views.count) views)")
        var results: [DetectionResult] = []
        var done = 0
        while true {
            let batches = try loaders.map { try $0.next() }
            let present = batches.compactMap { $0 }
            if present.isEmpty { break }
            let ids = present.map { $0.metas[0].imageID }
            // A skipped image (error_policy skip) is skipped by every loader alike; anything else is a bug.
            guard present.count == views.count, Set(ids).count == 1 else {
                throw TorchError("test-time augmentation: the views' loaders fell out of step (images \(ids))")
            }
            let metas = present.map { $0.metas[0] }
            let detections = try model.predictAugmented(images: present.map { try $0.imagesTensor() }, metas: metas)
            results += try convert(detections, imageID: metas[0].imageID, labels: dataset.labels)
            done += 1
            progress.update(done, detail: "\(results.count) detections")
        }
        return results
    }

    /// One image's detections as results records.
    public static func convert(_ d: Detections, imageID: Int, labels: CategoryLabelMap) throws -> [DetectionResult] {
        let k = d.count
        guard k > 0 else { return [] }
        let boxes = try d.boxes.to(.float64).toArray(Double.self)
        let scores = try d.scores.to(.float64).toArray(Double.self)
        let classes = try d.labels.toArray(Int.self)
        var rles: [RLE?] = Array(repeating: nil, count: k)
        if let masks = d.masks {
            let (h, w) = (masks.size(1), masks.size(2))
            // RLE runs go down the columns: transpose each H x W mask to W x H row-major.
            let columnMajor = try masks.permute(0, 2, 1).contiguous().to(.uint8).toArray(UInt8.self)
            for i in 0..<k {
                rles[i] = try RLE(mask: Array(columnMajor[(i * h * w)..<((i + 1) * h * w)]), height: h, width: w)
            }
        }
        return (0..<k).map { i in
            let b = boxes[(4 * i)..<(4 * i + 4)].map { $0 }
            return DetectionResult(
                imageId: imageID, categoryId: labels.categoryID(forLabel: classes[i]), score: scores[i],
                bbox: [b[0], b[1], b[2] - b[0], b[3] - b[1]], segmentation: rles[i])
        }
    }

    /// Evaluates results against a ground-truth file for each IoU type (LVIS rules when the file has LVIS
    /// fields, COCO rules otherwise).
    public static func evaluate(
        results: [DetectionResult], groundTruthPath: String, iouTypes: [IoUType]
    ) throws -> [(IoUType, EvaluationSummary)] {
        let gt = try LVISDataset.load(path: groundTruthPath)
        let style: EvaluationStyle = gt.hasLVISFields ? .lvis : .coco
        let resultSet = DetectionResults(results)
        return try iouTypes.map { type in
            (type, try LVISEvaluator(groundTruth: gt, results: resultSet, iouType: type, style: style).evaluate())
        }
    }
}
