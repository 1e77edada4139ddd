/// Why a dataset could not be built from its ground truth.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case imageWithoutPath(annotationFile: String, imageID: Int)
    case unknownCategory(annotationFile: String, categoryID: Int, annotationID: Int)

    public var description: String {
        switch self {
        case .imageWithoutPath(let file, let id): return "\(file): image \(id) has neither file_name nor coco_url"
        case .unknownCategory(let file, let category, let annotation):
            return "\(file): annotation \(annotation) refers to category \(category), which the file does not list"
        }
    }
}
