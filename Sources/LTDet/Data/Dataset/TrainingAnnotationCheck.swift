import LVISKit

/// What training needs of ground truth beyond what evaluation reads, checked when the training set is loaded.
///
/// Evaluation tolerates odd annotations (lvis-api only reads their `area`), but each of these becomes a wrong
/// or non-finite training target far from its cause (a NaN box surfaces as a label-count mismatch), and a set
/// with nothing to learn from would "train" for 0 iterations and write an untrained checkpoint. So they are
/// errors naming the file, the annotation, the field and the value, or, with `data.error_policy: skip`,
/// annotations left out and counted (`InstanceDataset.skippedAnnotations`). Boxes that are merely unusable as
/// targets (crowd, `ignore`, zero width or height, outside their image) are dropped as mmdet drops them
/// (`InstanceDataset`), and only counted here for the message of a set left with nothing.
enum TrainingAnnotationCheck {
    /// The indices (into `groundTruth.annotations`) of the annotations skipped, with why; throws the first
    /// problem instead unless `skipInvalid`.
    static func check(_ groundTruth: LVISDataset, path: String, skipInvalid: Bool) throws -> [Int: DatasetError] {
        let images = Dictionary(groundTruth.images.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var skipped: [Int: DatasetError] = [:]
        var usable = 0
        var crowd = 0
        var empty = 0
        var outside = 0
        for (index, a) in groundTruth.annotations.enumerated() {
            func fail(_ field: String, _ problem: String) -> DatasetError {
                .invalidAnnotation(annotationFile: path, annotationID: a.id, field: field, problem: problem)
            }
            guard let bbox = a.bbox else {
                let problem = fail("bbox", "is missing")
                if skipInvalid { skipped[index] = problem; continue } else { throw problem }
            }
            guard bbox.count == 4, bbox.allSatisfy(\.isFinite) else {
                let problem = fail("bbox", "must be 4 finite numbers, not \(bbox)")
                if skipInvalid { skipped[index] = problem; continue } else { throw problem }
            }
            if a.iscrowd || a.ignore { crowd += 1; continue }
            if bbox[2] <= 0 || bbox[3] <= 0 { empty += 1; continue }
            guard let image = images[a.imageId] else { throw fail("image_id", "\(a.imageId) is not an image of the file") }
            guard bbox[0] < Double(image.width), bbox[1] < Double(image.height), bbox[0] + bbox[2] > 0, bbox[1] + bbox[3] > 0
            else { outside += 1; continue }
            if let problem = polygonProblem(a.segmentation, fail: fail) {
                if skipInvalid { skipped[index] = problem; continue } else { throw problem }
            }
            usable += 1
        }
        guard usable > 0 else {
            let left = skipped.isEmpty ? "" : ", \(skipped.count) invalid and skipped (data.error_policy: skip)"
            throw DatasetError.nothingToTrainOn(
                annotationFile: path,
                detail: "\(groundTruth.images.count) images, \(groundTruth.annotations.count) annotations (\(crowd) crowd or ignored, \(empty) with zero width or height, \(outside) outside their image\(left))")
        }
        return skipped
    }

    /// A polygon with fewer than 3 points or a non-finite coordinate (RLE sizes are checked by `InstanceDataset`,
    /// for any split).
    private static func polygonProblem(
        _ segmentation: LVISDataset.Segmentation?, fail: (String, String) -> DatasetError
    ) -> DatasetError? {
        guard case .polygons(let polygons)? = segmentation else { return nil }
        for (i, polygon) in polygons.enumerated() {
            guard polygon.count >= 6, polygon.count % 2 == 0 else {
                return fail("segmentation[\(i)]", "a polygon needs at least 3 (x, y) points, not \(polygon.count) numbers")
            }
            if let bad = polygon.first(where: { !$0.isFinite }) {
                return fail("segmentation[\(i)]", "has the non-finite coordinate \(bad)")
            }
        }
        return nil
    }
}
