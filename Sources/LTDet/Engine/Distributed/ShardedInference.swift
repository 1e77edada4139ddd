import Foundation
import LVISKit
import Torch

/// Test-time inference split over the processes of a group (mmdet's `multi_gpu_test` with `collect_results`):
/// rank k predicts images k, k + W, k + 2W, ... of the dataset, then every process receives all results in the
/// dataset's image order, the order one process alone produces them in, so the evaluation that follows is the
/// single-process one. Without it, rank 0 predicted the whole validation set while the others waited in their next
/// collective, close to its timeout on a large set.
public enum ShardedInference {
    public static func predict(
        model: MaskRCNN, dataset: InstanceDataset, pipeline: SamplePipeline, views: [TestView] = [], workers: Int,
        errorPolicy: DataLoader.ErrorPolicy, group: ProcessGroup
    ) throws -> [DetectionResult] {
        let mine = try DetectionInference.predict(
            model: model, dataset: dataset, pipeline: pipeline, views: views, batchSize: 1, workers: workers,
            errorPolicy: errorPolicy,
            shard: Shard(rank: group.rank, worldSize: group.worldSize))
        return try gather(mine, group: group, imageOrder: dataset.images.map(\.id))
    }

    /// Every process's `results` at every process, grouped by image in `imageOrder` (within an image in the order
    /// they were predicted). Results travel as results-file bytes, whose numbers read back unchanged.
    static func gather(_ results: [DetectionResult], group: ProcessGroup, imageOrder: [Int]) throws -> [DetectionResult] {
        let bytes = DetectionResults(results).encodedJSON()
        let lengths = try group.gather(Tensor([Int64(bytes.count)], shape: [1])).toArray(Int64.self)
        let all = try group.gather(Tensor(bytes, shape: [bytes.count])).toArray(UInt8.self)
        var byImage: [Int: [DetectionResult]] = [:]
        var offset = 0
        for (rank, length) in lengths.enumerated() {
            let part = try DetectionResults.decode(
                json: Array(all[offset ..< offset + Int(length)]), name: "the results of rank \(rank)")
            offset += Int(length)
            for i in 0 ..< part.count { byImage[part.imageIds[i], default: []].append(try part.result(at: i)) }
        }
        return imageOrder.flatMap { byImage[$0] ?? [] }
    }
}
