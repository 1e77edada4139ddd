/// A matrix drawn as coloured cells (`Color.sequential`), e.g. a class confusion matrix with rows
/// = true class and columns = predicted class.
public struct Heatmap: Sendable {
    public var title: String
    /// Row-major values; every row has the same length.
    public var values: [[Double]]
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// Colour range; nil spans the data.
    public var valueRange: ClosedRange<Double>?

    public init(title: String = "", values: [[Double]], rowLabels: [String] = [], columnLabels: [String] = [],
                valueRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.valueRange = valueRange
    }

    public func write(to path: String, cellSize: Int = 12) throws {
        try render(cellSize: cellSize).write(to: path)
    }

    /// Labels are drawn when a cell is tall enough for them; with thousands of classes the cells are a few
    /// pixels and the order of the rows (e.g. by training frequency) carries the meaning instead.
    public func render(cellSize: Int = 12) throws -> Canvas {
        let rows = values.count, columns = values.first?.count ?? 0
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let range = valueRange ?? ((finite.min() ?? 0) ... max(finite.max() ?? 1, (finite.min() ?? 0) + 1e-12))
        let textSize = min(Canvas.defaultTextSize, cellSize - 1)
        let labelled = textSize >= 7
        func width(_ labels: [String]) throws -> Int {
            labelled ? (try labels.map { try Canvas.textSize($0, size: textSize).width }.max() ?? 0) + 6 : 0
        }
        let labelWidth = try width(rowLabels), labelHeight = try width(columnLabels)
        let titleSize = try Canvas.textSize(title, size: Plot.titleTextSize)
        let top = (title.isEmpty ? 4 : titleSize.height + 12) + labelHeight
        var canvas = Canvas(width: max(labelWidth + columns * cellSize + 8, titleSize.width + 8),
                            height: top + rows * cellSize + 8)
        if !title.isEmpty { try canvas.drawText(title, x: 4, y: 6, size: Plot.titleTextSize) }
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                let t = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
                let x0 = Double(labelWidth + c * cellSize), y0 = Double(top + r * cellSize)
                canvas.fillRect(x0: x0, y0: y0, x1: x0 + Double(cellSize), y1: y0 + Double(cellSize), color: Color.sequential(t))
            }
        }
        guard labelled else { return canvas }
        let lineHeight = try Canvas.textSize("Ag", size: textSize).height
        for (r, label) in rowLabels.prefix(rows).enumerated() {
            let w = try Canvas.textSize(label, size: textSize).width
            try canvas.drawText(label, x: labelWidth - 4 - w, y: top + r * cellSize + (cellSize - lineHeight) / 2, size: textSize)
        }
        for (c, label) in columnLabels.prefix(columns).enumerated() {
            let w = try Canvas.textSize(label, size: textSize).width
            try canvas.drawVerticalText(label, x: labelWidth + c * cellSize + (cellSize - lineHeight) / 2, y: top - 3 - w,
                                        size: textSize)
        }
        return canvas
    }
}
