import Foundation

/// What the model is shown (`ltdet browse-dataset`, mmdet's tools/misc/browse_dataset.py): images of a split
/// after the config's pipeline (resize, flip) with their ground truth drawn, so that a wrong annotation file,
/// category map or augmentation shows before a run spends hours on it.
public enum DatasetBrowser {
    /// Draws the first `limit` images of the train (or val) split as DIR/<image id>.png; the pipeline's random
    /// choices come from `seed` and the image's position, so the same call draws the same pictures.
    public static func writeImages(
        experiment: DetectionExperiment, training: Bool, to directory: String, limit: Int, seed: UInt64
    ) throws -> [String] {
        let config = experiment.config
        let split = training ? config.data.train : config.data.val
        let dataset = try experiment.loadDataset(split, training: training)
        let pipeline = experiment.pipeline(training ? config.data.trainPipeline : config.data.testPipeline, training: training)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for (index, item) in dataset.images.prefix(limit).enumerated() {
            var generator = SplitMix64(seed: seed, UInt64(index))
            let sample = pipeline.apply(to: try ImageFile.read(item.path), item: item, generator: &generator)
            let (width, height) = (sample.image.width, sample.image.height)
            let instances = zip(sample.boxes, zip(sample.labels, sample.masks)).map { box, rest in
                InstanceOverlay.Instance(box: box, label: dataset.labels.names[rest.0],
                                         mask: rest.1?.rasterized(width: width, height: height))
            }
            let overlay = InstanceOverlay(enlargement: max(1, 480 / max(width, height)))
            let caption = "image \(item.id): \(sample.meta.originalWidth)x\(sample.meta.originalHeight) -> \(width)x\(height)"
                + (sample.meta.flipped ? ", flipped" : "") + ", \(instances.count) objects"
            let canvas = try DetectionDrawing.sideBySide([(caption, try overlay.render(instances, on: sample.image))])
            let path = (directory as NSString).appendingPathComponent("\(item.id).png")
            try canvas.write(to: path)
            written.append(path)
        }
        return written
    }
}
