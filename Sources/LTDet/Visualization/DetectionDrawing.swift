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
    /// so that small images stay legible; returns the paths written.
    public static func writeImages(
        results: [DetectionResult], dataset: InstanceDataset, to directory: String, limit: Int = 8,
        minScore: Double = 0.3
    ) throws -> [String] {
        let byImage = Dictionary(grouping: results, by: \.imageId)
        var names: [Int: String] = [:]
        for label in 0..<dataset.labels.count { names[dataset.labels.categoryID(forLabel: label)] = dataset.labels.names[label] }
        var written: [String] = []
        for image in dataset.images where written.count < limit {
            guard let detections = byImage[image.id] else { continue }
            let picture = try ImageFile.read(image.path)
            let overlay = InstanceOverlay(enlargement: max(1, 480 / max(picture.width, picture.height)))
            let canvas = try overlay.render(instances(detections, categoryNames: names, minScore: minScore), on: picture)
            let path = (directory as NSString).appendingPathComponent("\(image.id).png")
            try canvas.write(to: path)
            written.append(path)
        }
        return written
    }
}
