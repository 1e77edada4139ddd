/// Why a dataset could not be opened or an item not produced; every case names the file.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case annotationFileUnreadable(path: String, reason: String)
    case annotationFileInvalid(path: String, reason: String)
    case imageWithoutPath(imageID: Int)
    case unknownCategory(categoryID: Int, annotationID: Int)

    public var description: String {
        switch self {
        case .annotationFileUnreadable(let path, let reason): return "cannot read annotation file \(path): \(reason)"
        case .annotationFileInvalid(let path, let reason): return "invalid annotation file \(path): \(reason)"
        case .imageWithoutPath(let id): return "image \(id) has neither file_name nor coco_url"
        case .unknownCategory(let category, let annotation):
            return "annotation \(annotation) refers to category \(category), which the file does not list"
        }
    }
}
