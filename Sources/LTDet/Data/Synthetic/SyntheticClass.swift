/// One class of the synthetic benchmark: a shape, a colour and a surface pattern.
public struct SyntheticClass: Sendable, Equatable {
    /// Category id in the annotation files (1-based).
    public let id: Int
    public let shape: SyntheticShape
    public let colorName: String
    public let color: Color
    public let pattern: SyntheticPattern
    /// The id of the class that shares shape and pattern and differs only slightly in colour.
    public let confusableWith: Int?

    public var name: String { "\(colorName)_\(pattern.rawValue)_\(shape.rawValue)" }
}
