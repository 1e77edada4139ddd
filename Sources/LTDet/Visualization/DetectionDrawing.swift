import Foundation
import LVISKit

/// Draws detections the way people inspect them: a tinted mask, a box and a "name score" label per
/// detection, one colour per class.
public enum DetectionDrawing {
    /// `results` of one image drawn over `image`; detections below `minScore` are left out.
    public static func render(
        image: RGBImage, results: [DetectionResult], categoryNames: [Int: String], minScore: Double = 0.3
    ) throws -> Canvas {
        var canvas = Canvas(image: image)
        let shown = results.filter { $0.score >= minScore }.sorted { $0.score < $1.score }
        for r in shown {
            let color = Color.categorical(r.categoryId)
            if let rle = r.segmentation, rle.height == image.height, rle.width == image.width {
                canvas.overlayMask(rowMajor(rle), color: color, alpha: 0.45)
            }
        }
        for r in shown {
            guard let b = r.bbox else { continue }
            let color = Color.categorical(r.categoryId)
            canvas.strokeRect(x0: b[0], y0: b[1], x1: b[0] + b[2], y1: b[1] + b[3], color: color)
            let label = "\(categoryNames[r.categoryId] ?? "\(r.categoryId)") \(Int((r.score * 100).rounded()))"
            let size = Canvas.textSize(label)
            let y = max(0, Int(b[1]) - size.height - 2)
            canvas.fillRect(
                x0: b[0], y0: Double(y), x1: b[0] + Double(size.width + 2), y1: Double(y + size.height + 2), color: color,
                alpha: 0.8)
            canvas.drawText(label, x: Int(b[0]) + 1, y: y + 1, color: .white)
        }
        return canvas
    }

    /// An RLE mask (column-major) as a row-major bitmap.
    static func rowMajor(_ rle: RLE) -> [UInt8] {
        let columnMajor = rle.decode()
        let (h, w) = (rle.height, rle.width)
        var out = [UInt8](repeating: 0, count: h * w)
        for x in 0..<w {
            for y in 0..<h where columnMajor[x * h + y] != 0 { out[y * w + x] = 1 }
        }
        return out
    }
}

extension DetectionDrawing {
    /// Draws the results of the first `limit` images of `dataset` that have any, as DIR/<image id>.png;
    /// returns the paths written.
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
            let canvas = try render(
                image: try ImageFile.read(image.path), results: detections, categoryNames: names, minScore: minScore)
            let path = (directory as NSString).appendingPathComponent("\(image.id).png")
            try canvas.write(to: path)
            written.append(path)
        }
        return written
    }
}
