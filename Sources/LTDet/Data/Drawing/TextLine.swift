/// One line of text laid out in `Font.standard()` at a pixel size: glyphs at their pen positions, the line's
/// advance width and its ascent and descent. `Canvas` draws it horizontally or turned.
struct TextLine {
    let width: Int
    let ascent: Int
    let descent: Int
    private let placed: [(glyph: Font.Glyph, pen: Int)]

    init(_ text: String, size: Int) throws {
        let font = try Font.standard()
        (ascent, descent) = font.lineMetrics(size: size)
        var pen = 0
        var placed: [(glyph: Font.Glyph, pen: Int)] = []
        for scalar in text.unicodeScalars {
            let glyph = font.glyph(scalar, size: size)
            placed.append((glyph, pen))
            pen += glyph.advance
        }
        self.placed = placed
        width = pen
    }

    /// Calls `body(u, v, coverage)` for every covered pixel, u to the right of the line's left edge and v down
    /// from its top.
    func forEachPixel(_ body: (Int, Int, UInt8) -> Void) {
        for (glyph, pen) in placed {
            for row in 0..<glyph.rows {
                for column in 0..<glyph.width {
                    let coverage = glyph.coverage[row * glyph.width + column]
                    if coverage != 0 { body(pen + glyph.left + column, ascent - glyph.top + row, coverage) }
                }
            }
        }
    }
}
