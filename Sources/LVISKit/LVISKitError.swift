/// Every failure LVISKit reports: bad files, bad JSON, bad masks, inconsistent inputs.
/// Messages name the file, the JSON path and the problem, so a user can fix the input without a debugger.
public enum LVISKitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read.
    case io(file: String, message: String)
    /// The bytes are not JSON (line and column are 1-based).
    case syntax(file: String, line: Int, column: Int, message: String)
    /// The JSON is well formed but a value is missing, has the wrong type or an invalid value.
    case schema(file: String, path: String, message: String)
    /// An RLE or polygon is invalid (bad characters, counts not summing to h*w, sizes that differ).
    case invalidMask(String)
    /// Inputs that are valid alone but inconsistent together (a result on an unknown image).
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .io(file, message): return "\(file): \(message)"
        case let .syntax(file, line, column, message): return "\(file):\(line):\(column): invalid JSON: \(message)"
        case let .schema(file, path, message): return "\(file): at \(path): \(message)"
        case let .invalidMask(message): return "invalid mask: \(message)"
        case let .invalidInput(message): return message
        }
    }
}
