import Foundation
import LVISKit

/// Prediction images from LVIS/COCO results records, drawn with `InstanceOverlay`.
public enum DetectionDrawing {
    /// Overlay instances for the results of one image; detections below `minScore` are left out.
    public static func instances(
        _ results: [DetectionResult], categoryNames: [Int: String], minScore: Double
    ) -> [InstanceOverlay.Instance] {
        results.filter { $0.score >= minScore }.sorted { $0.score < $1.score }.compactMap { r in
            guard let b = r.bbox else { return nil }
            let mask = r.segmentation.map(BinaryMask.init)
            return InstanceOverlay.Instance(
                box: BoundingBox(xywh: b), label: categoryNames[r.categoryId] ?? "\(r.categoryId)", score: r.score,
                mask: mask)
        }
    }

    /// Draws the results of the first `limit` images of `dataset` that have any, as DIR/<image id>.png, enlarged
    /// so that small images stay legible; with `withGroundTruth` the image's ground truth is drawn on the left and
    /// the predictions on the right. Returns the paths written.
    public static func writeImages(
        results: [DetectionResult], dataset: InstanceDataset, to directory: String, limit: Int = 8,
        minScore: Double = 0.3, withGroundTruth: Bool = false
    ) throws -> [String] {
        let byImage = Dictionary(grouping: results, by: \.imageId)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for image in dataset.images where written.count < limit {
            guard let detections = byImage[image.id] else { continue }
            let canvas = try picture(
                of: image, results: detections, dataset: dataset, minScore: minScore, withGroundTruth: withGroundTruth)
            let path = (directory as NSString).appendingPathComponent("\(image.id).png")
            try canvas.write(to: path)
            written.append(path)
        }
        return written
    }

    /// One image with its detections scoring >= `minScore` drawn, enlarged so that small images stay legible;
    /// with `withGroundTruth` its ground truth on the left and the detections on the right.
    public static func picture(
        of image: DatasetImage, results: [DetectionResult], dataset: InstanceDataset, minScore: Double, withGroundTruth: Bool
    ) throws -> Canvas {
        var names: [Int: String] = [:]
        for label in 0..<dataset.labels.count { names[dataset.labels.categoryID(forLabel: label)] = dataset.labels.names[label] }
        let picture = try ImageFile.read(image.path)
        let overlay = InstanceOverlay(enlargement: max(1, 480 / max(picture.width, picture.height)))
        let canvas = try overlay.render(instances(results, categoryNames: names, minScore: minScore), on: picture)
        guard withGroundTruth else { return canvas }
        let truth = image.instances.map { instance in
            InstanceOverlay.Instance(
                box: instance.box, label: dataset.labels.names[instance.label],
                mask: instance.mask?.rasterized(width: picture.width, height: picture.height))
        }
        return try sideBySide([("ground truth", try overlay.render(truth, on: picture)),
                               ("predictions (score >= \(minScore))", canvas)])
    }

    /// Panels left to right, each under its caption, separated by a white gap.
    static func sideBySide(_ panels: [(caption: String, canvas: Canvas)]) throws -> Canvas {
        let gap = 8, captionHeight = try Canvas.textSize("Ag", size: 14).height + 8
        let width = panels.map(\.canvas.width).reduce(0, +) + gap * (panels.count - 1)
        let height = (panels.map(\.canvas.height).max() ?? 0) + captionHeight
        var result = Canvas(width: width, height: height)
        var left = 0
        for panel in panels {
            try result.drawText(panel.caption, x: left + 4, y: 4, size: 14)
            for y in 0..<panel.canvas.height {
                for x in 0..<panel.canvas.width {
                    result.blendPixel(x: left + x, y: captionHeight + y, color: panel.canvas.pixel(x: x, y: y))
                }
            }
            left += panel.canvas.width + gap
        }
        return result
    }
}
