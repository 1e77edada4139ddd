import LVISKit

/// What training needs of ground truth beyond what evaluation reads, checked when the training set is loaded.
///
/// Evaluation tolerates odd annotations (lvis-api only reads their `area`), but each of these becomes a wrong
/// or non-finite training target far from its cause (a NaN box surfaces as a label-count mismatch), and a set
/// with nothing to learn from would "train" for 0 iterations and write an untrained checkpoint. So they are
/// errors naming the file, the annotation, the field and the value. Boxes that are merely unusable as targets
/// (crowd, `ignore`, zero width or height, outside their image) are dropped as mmdet drops them
/// (`InstanceDataset`), and only counted here for the message of a set left with nothing.
enum TrainingAnnotationCheck {
    static func check(_ groundTruth: LVISDataset, path: String) throws {
        let images = Dictionary(groundTruth.images.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var usable = 0
        var crowd = 0
        var empty = 0
        var outside = 0
        for a in groundTruth.annotations {
            func fail(_ field: String, _ problem: String) -> DatasetError {
                .invalidAnnotation(annotationFile: path, annotationID: a.id, field: field, problem: problem)
            }
            guard let bbox = a.bbox else { throw fail("bbox", "is missing") }
            guard bbox.count == 4, bbox.allSatisfy(\.isFinite) else { throw fail("bbox", "must be 4 finite numbers, not \(bbox)") }
            if a.iscrowd || a.ignore { crowd += 1; continue }
            if bbox[2] <= 0 || bbox[3] <= 0 { empty += 1; continue }
            guard let image = images[a.imageId] else { throw fail("image_id", "\(a.imageId) is not an image of the file") }
            guard bbox[0] < Double(image.width), bbox[1] < Double(image.height), bbox[0] + bbox[2] > 0, bbox[1] + bbox[3] > 0
            else { outside += 1; continue }
            switch a.segmentation {
            case .polygons(let polygons):
                for (i, polygon) in polygons.enumerated() {
                    guard polygon.count >= 6, polygon.count % 2 == 0 else {
                        throw fail("segmentation[\(i)]", "a polygon needs at least 3 (x, y) points, not \(polygon.count) numbers")
                    }
                    if let bad = polygon.first(where: { !$0.isFinite }) {
                        throw fail("segmentation[\(i)]", "has the non-finite coordinate \(bad)")
                    }
                }
            case .rle, nil:
                break  // InstanceDataset checks every RLE's size, for any split
            }
            usable += 1
        }
        guard usable > 0 else {
            throw DatasetError.nothingToTrainOn(
                annotationFile: path,
                detail: "\(groundTruth.images.count) images, \(groundTruth.annotations.count) annotations (\(crowd) crowd or ignored, \(empty) with zero width or height, \(outside) outside their image)")
        }
    }
}
