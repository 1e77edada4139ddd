/// One drawn object of a synthetic image: its class, its polygon outline (coordinates rounded to
/// 1/100 pixel, exactly as written to the annotation file and as rendered) and whether the
/// annotation file lists it.
public struct SyntheticInstance: Sendable {
    public let categoryID: Int
    public let outline: [Point2D]
    public var annotated: Bool

    /// [x, y, width, height] of the outline.
    public var bbox: [Double] {
        let xs = outline.map(\.x), ys = outline.map(\.y)
        let x0 = xs.min()!, y0 = ys.min()!
        return [x0, y0, SyntheticScene.round2(xs.max()! - x0), SyntheticScene.round2(ys.max()! - y0)]
    }

    /// The polygon's area by the shoelace formula.
    public var area: Double {
        var twice = 0.0
        for (a, b) in zip(outline, outline.dropFirst() + outline.prefix(1)) { twice += a.x * b.y - b.x * a.y }
        return SyntheticScene.round2(abs(twice) / 2)
    }
}
