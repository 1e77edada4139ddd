/// Why a dataset could not be built from its ground truth.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case imageWithoutPath(annotationFile: String, imageID: Int)
    case unknownCategory(annotationFile: String, categoryID: Int, annotationID: Int)
    case invalidAnnotation(annotationFile: String, annotationID: Int, field: String, problem: String)
    case nothingToTrainOn(annotationFile: String, detail: String)
    /// The decoded image is not the size its annotation says (detectron2's `SizeMismatchError`): every box,
    /// polygon and RLE of it would be placed against the wrong frame.
    case imageSizeMismatch(annotationFile: String, imageID: Int, path: String,
                           annotatedWidth: Int, annotatedHeight: Int, decodedWidth: Int, decodedHeight: Int)

    public var description: String {
        switch self {
        case .imageWithoutPath(let file, let id): return "\(file): image \(id) has neither file_name nor coco_url"
        case .unknownCategory(let file, let category, let annotation):
            return "\(file): annotation \(annotation) refers to category \(category), which the file does not list"
        case .invalidAnnotation(let file, let annotation, let field, let problem):
            return "\(file): annotation \(annotation): '\(field)' \(problem)"
        case .nothingToTrainOn(let file, let detail):
            return "\(file): no annotation is usable for training (not crowd, with a positive width and height): \(detail)"
        case .imageSizeMismatch(let file, let id, let path, let width, let height, let decodedWidth, let decodedHeight):
            return "\(path): the image is \(decodedWidth) x \(decodedHeight) (width x height), but image \(id) of \(file) says "
                + "'width' \(width), 'height' \(height)"
        }
    }
}
