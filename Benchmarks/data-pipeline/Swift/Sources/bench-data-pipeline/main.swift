// Times LTDet's per-image training pipeline on one thread: JPEG decode, keep-ratio resize to a
// short side from 640..800 (long side <= 1333), horizontal flip, mask rasterisation at the
// transformed size, normalisation and padding into a CHW float buffer. Image i uses short side
// 640 + 32 * (i % 6) and is flipped when i is odd, exactly as bench.py does, so both sides do the
// same work. Then the same through DataLoader with 1 and 2 workers (random scales and flips).
// Usage: bench-data-pipeline ANNOTATIONS.json IMAGE_ROOT [PASSES]
import Foundation
import LTDet

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write("usage: bench-data-pipeline ANNOTATIONS.json IMAGE_ROOT [PASSES]\n".data(using: .utf8)!)
    exit(2)
}
let passes = arguments.count > 3 ? Int(arguments[3])! : 1
let dataset = try InstanceDataset(annotationFile: arguments[1], options: .init(imageRoot: arguments[2], dropImagesWithoutAnnotations: true))

func pipeline(for index: Int) -> SamplePipeline {
    SamplePipeline(resize: ResizePolicy(shortSides: [640 + 32 * (index % 6)], maxLongSide: 1333),
                   flipProbability: index % 2 == 1 ? 1 : 0, rasterizeMasks: true)
}

var checksum = 0.0, instances = 0
let start = Date()
for _ in 0 ..< passes {
    for (index, item) in dataset.images.enumerated() {
        let image = try ImageFile.read(item.path)
        var generator = SplitMix64(seed: UInt64(index))
        let sample = pipeline(for: index).apply(to: image, item: item, generator: &generator)
        let batch = ImageBatch(samples: [sample], normalization: .imageNetRGB, sizeDivisor: 32, epoch: 0)
        checksum += Double(batch.values[batch.values.count / 2])
        for case .bitmap(let mask)? in sample.masks { instances += mask.values.contains(1) ? 1 : 0 }
    }
}
let seconds = Date().timeIntervalSince(start)
let images = passes * dataset.count
print(String(format: "swift single-thread %.1f images/s (%d images, %d masks, %.2f s, checksum %.3f)",
             Double(images) / seconds, images, instances, seconds, checksum))

for workers in [1, 2] {
    let loader = DataLoader(dataset: dataset, sampler: SequentialSampler(count: dataset.count),
                            pipeline: SamplePipeline(resize: .lvisTraining, flipProbability: 0.5),
                            options: .init(batchSize: 2, workers: workers, prefetchBatches: 4, epochs: passes))
    let loaderStart = Date()
    var loaded = 0
    while let batch = try loader.next() { loaded += batch.count }
    let loaderSeconds = Date().timeIntervalSince(loaderStart)
    print(String(format: "swift loader-%d-workers %.1f images/s (%d images, batches of 2, %.2f s)",
                 workers, Double(loaded) / loaderSeconds, loaded, loaderSeconds))
}
