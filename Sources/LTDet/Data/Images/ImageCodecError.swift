/// Why an image could not be read or written. Every case names the file so that a loader error
/// in a long training run points at the culprit directly.
public enum ImageCodecError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case unsupportedFormat(path: String)
    case corrupt(path: String, reason: String)
    case encodingFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "image not found: \(path)"
        case .unreadable(let path, let reason): return "cannot read image \(path): \(reason)"
        case .unsupportedFormat(let path): return "unsupported image format (expected JPEG or PNG): \(path)"
        case .corrupt(let path, let reason): return "corrupt image \(path): \(reason)"
        case .encodingFailed(let path, let reason): return "cannot encode image \(path): \(reason)"
        }
    }
}
