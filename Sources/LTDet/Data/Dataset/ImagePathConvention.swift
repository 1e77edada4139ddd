/// How an image entry names its file, relative to the dataset's image root.
public enum ImagePathConvention: String, Sendable, CaseIterable {
    /// LVIS v1: the last two components of `coco_url`, e.g. `train2017/000000391895.jpg`, so the
    /// image root is the COCO folder holding train2017/ and val2017/.
    case cocoURL = "coco-url"
    /// COCO and LVIS v0.5: `file_name`, relative to the image root.
    case fileName = "file-name"
    /// `coco_url` when present, else `file_name`.
    case automatic

    func relativePath(fileName: String?, cocoURL: String?) -> String? {
        func fromURL() -> String? {
            guard let url = cocoURL else { return nil }
            let parts = url.split(separator: "/")
            guard parts.count >= 2 else { return nil }
            return parts.suffix(2).joined(separator: "/")
        }
        switch self {
        case .cocoURL: return fromURL()
        case .fileName: return fileName
        case .automatic: return fromURL() ?? fileName
        }
    }
}
