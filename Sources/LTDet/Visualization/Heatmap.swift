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

    public func render(cellSize: Int = 12) -> Canvas {
        let rows = values.count, columns = values.first?.count ?? 0
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let range = valueRange ?? ((finite.min() ?? 0) ... max(finite.max() ?? 1, (finite.min() ?? 0) + 1e-12))
        let labelWidth = (rowLabels.map { Canvas.textSize($0).width }.max() ?? 0) + 6
        let labelHeight = (columnLabels.map { Canvas.textSize($0).width }.max() ?? 0) + 6
        let top = (title.isEmpty ? 4 : 26) + labelHeight
        let titleWidth = Canvas.textSize(title, scale: 2).width + 8
        var canvas = Canvas(width: max(labelWidth + columns * cellSize + 8, titleWidth), height: top + rows * cellSize + 8)
        if !title.isEmpty { canvas.drawText(title, x: 4, y: 6, scale: 2) }
        for (r, row) in values.enumerated() {
            for (c, value) in row.enumerated() {
                let t = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
                let x0 = Double(labelWidth + c * cellSize), y0 = Double(top + r * cellSize)
                canvas.fillRect(x0: x0, y0: y0, x1: x0 + Double(cellSize), y1: y0 + Double(cellSize), color: Color.sequential(t))
            }
        }
        for (r, label) in rowLabels.prefix(rows).enumerated() {
            canvas.drawText(label, x: labelWidth - 4 - Canvas.textSize(label).width, y: top + r * cellSize + (cellSize - 7) / 2)
        }
        for (c, label) in columnLabels.prefix(columns).enumerated() {
            canvas.drawVerticalText(label, x: labelWidth + c * cellSize + (cellSize - 7) / 2, y: top - 3 - Canvas.textSize(label).width)
        }
        return canvas
    }
}
