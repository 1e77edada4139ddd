/// A point in image coordinates (pixels; x to the right, y down; (0, 0) is the top-left corner
/// of the top-left pixel, as in COCO).
public struct Point2D: Sendable, Equatable, Hashable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

extension Array where Element == Point2D {
    /// The COCO flat polygon layout `[x1, y1, x2, y2, ...]`.
    public var flatCoordinates: [Double] { flatMap { [$0.x, $0.y] } }

    public init(flatCoordinates: [Double]) {
        self = stride(from: 0, to: flatCoordinates.count - 1, by: 2).map {
            Point2D(flatCoordinates[$0], flatCoordinates[$0 + 1])
        }
    }
}
