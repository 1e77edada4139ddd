import Foundation

/// A two-axis chart (lines, scatter points, bars) rendered onto a `Canvas`: training curves,
/// AP-versus-frequency plots, long-tail class distributions.
///
///     var plot = Plot(title: "loss", xLabel: "iteration", yLabel: "loss")
///     plot.add(Plot.Series(label: "total", points: curve, mark: .line))
///     try plot.write(to: "loss.png")
public struct Plot: Sendable {
    public enum Scale: Sendable { case linear, log }
    public enum Mark: Sendable { case line, scatter, bar }

    public struct Series: Sendable {
        public var label: String?
        public var points: [Point2D]
        public var mark: Mark
        public var color: Color?
        /// Line thickness, point diameter, or bar width as a fraction of the x spacing.
        public var size: Double?
        /// Opacity: below 1 lets dense scatter clouds show where points pile up.
        public var alpha: Double

        public init(label: String? = nil, points: [Point2D], mark: Mark = .line, color: Color? = nil, size: Double? = nil,
                    alpha: Double = 1) {
            self.label = label
            self.points = points
            self.mark = mark
            self.color = color
            self.size = size
            self.alpha = alpha
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: Scale = .linear
    public var yScale: Scale = .linear
    /// Fixed axis ranges; nil fits the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var showLegend = true
    /// Where the legend box goes: the corner the data leaves empty.
    public enum LegendCorner: Sendable { case topLeft, topRight }
    public var legendCorner = LegendCorner.topRight
    /// Raise the top of a linear y axis until the legend box sits above every data point: for grouped bars,
    /// whose tallest bars can stand in either corner and whose legend grows with the number of runs.
    public var legendClearsData = false
    /// Named x ticks (e.g. the groups of a bar chart) in place of numeric ones.
    public var xTickLabels: [(value: Double, label: String)]?
    public private(set) var series: [Series] = []

    public init(title: String = "", xLabel: String = "", yLabel: String = "") {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public mutating func add(_ series: Series) {
        self.series.append(series)
    }

    public func write(to path: String, width: Int = 800, height: Int = 500) throws {
        try render(width: width, height: height).write(to: path)
    }

    static let tickTextSize = 11
    static let labelTextSize = 13
    static let titleTextSize = 16

    /// The top and bottom of the data frame in pixels: below the title, above the x tick labels and the x label.
    func frameVerticalExtent(height: Int) throws -> (top: Double, bottom: Double) {
        let tickHeight = try Canvas.textSize("0", size: Plot.tickTextSize).height
        let labelHeight = try Canvas.textSize("Ag", size: Plot.labelTextSize).height
        let titleHeight = title.isEmpty ? 0 : try Canvas.textSize(title, size: Plot.titleTextSize).height
        return (Double(titleHeight + 14), Double(height - tickHeight - labelHeight - 16))
    }

    /// The y axis range drawn: `yRange` or the data's, raised for `legendClearsData`.
    func shownYRange(height: Int) throws -> ClosedRange<Double> {
        var range = yRange ?? fittedRange(\.y, scale: yScale, includeZero: series.contains { $0.mark == .bar })
        guard legendClearsData, showLegend, yScale == .linear, let legend = try legendBoxSize(),
            let tallest = series.flatMap({ $0.points.map(\.y) }).filter(\.isFinite).max(), tallest > range.lowerBound
        else { return range }
        let frame = try frameVerticalExtent(height: height)
        let frameHeight = frame.bottom - frame.top
        // The legend's box starts 6 pixels below the frame's top; keep the data 8 more below its bottom.
        let free = (frameHeight - Double(legend.height + 14)) / frameHeight
        guard free > 0.2 else { return range }  // a legend taller than the plot: squashing the data would not help
        let low = range.lowerBound, needed = low + (tallest - low) / free
        if needed > range.upperBound {
            let quantum = pow(10, log10(needed - low).rounded(.down)) / 20
            range = low ... low + ((needed - low) / quantum).rounded(.up) * quantum
        }
        return range
    }

    public func render(width: Int = 800, height: Int = 500) throws -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let labelHeight = try Canvas.textSize("Ag", size: Plot.labelTextSize).height
        let xAxis = Axis(scale: xScale, range: xRange ?? fittedRange(\.x, scale: xScale, includeZero: false))
        let yRangeShown = try shownYRange(height: height)
        let yAxis = Axis(scale: yScale, range: yRangeShown)
        let yTicks = yAxis.ticks()
        let xTicks = xTickLabels ?? xAxis.ticks()
        let tickLabelWidth = try yTicks.map { try Canvas.textSize($0.label, size: Plot.tickTextSize).width }.max() ?? 0
        let vertical = try frameVerticalExtent(height: height)
        let frame = (left: Double(labelHeight + tickLabelWidth + 16), top: vertical.top, right: Double(width - 20),
                     bottom: vertical.bottom)
        func toPixel(_ p: Point2D) -> Point2D? {
            guard let fx = xAxis.fraction(p.x), let fy = yAxis.fraction(p.y) else { return nil }
            return Point2D(frame.left + fx * (frame.right - frame.left), frame.bottom - fy * (frame.bottom - frame.top))
        }

        for tick in yTicks {
            guard let fy = yAxis.fraction(tick.value) else { continue }
            let y = frame.bottom - fy * (frame.bottom - frame.top)
            canvas.drawLine(from: Point2D(frame.left, y), to: Point2D(frame.right, y), color: .lightGray)
            let size = try Canvas.textSize(tick.label, size: Plot.tickTextSize)
            try canvas.drawText(tick.label, x: Int(frame.left) - 6 - size.width, y: Int(y) - size.height / 2,
                                size: Plot.tickTextSize)
        }
        for tick in xTicks {
            guard let fx = xAxis.fraction(tick.value), fx >= -1e-9, fx <= 1 + 1e-9 else { continue }
            let x = frame.left + fx * (frame.right - frame.left)
            if xTickLabels == nil {
                canvas.drawLine(from: Point2D(x, frame.top), to: Point2D(x, frame.bottom), color: .lightGray)
            }
            let size = try Canvas.textSize(tick.label, size: Plot.tickTextSize)
            let at = canvas.placeInside(x: Int(x) - size.width / 2, y: Int(frame.bottom) + 4, width: size.width, height: size.height)
            try canvas.drawText(tick.label, x: at.x, y: at.y, size: Plot.tickTextSize)
        }

        let spacing = minimumSpacing(xAxis: xAxis, frameWidth: frame.right - frame.left)
        let baseline = yAxis.fraction(yScale == .log ? yAxis.range.lowerBound : max(0, yAxis.range.lowerBound)) ?? 0
        for (index, s) in series.enumerated() {
            let color = s.color ?? Color.categorical(index)
            let pixels = s.points.compactMap(toPixel)
            switch s.mark {
            case .line:
                canvas.drawPolyline(pixels, color: color, thickness: Int(s.size ?? 2), alpha: s.alpha)
            case .scatter:
                for p in pixels { canvas.fillCircle(center: p, radius: (s.size ?? 5) / 2, color: color, alpha: s.alpha) }
            case .bar:
                let half = max(spacing * (s.size ?? 0.8) / 2, 0.5)
                let baseY = frame.bottom - baseline * (frame.bottom - frame.top)
                for p in pixels {
                    canvas.fillRect(x0: p.x - half, y0: min(p.y, baseY), x1: p.x + half, y1: max(p.y, baseY),
                                    color: color, alpha: s.alpha)
                }
            }
        }

        canvas.drawLine(from: Point2D(frame.left, frame.bottom), to: Point2D(frame.right, frame.bottom), color: .black)
        canvas.drawLine(from: Point2D(frame.left, frame.top), to: Point2D(frame.left, frame.bottom), color: .black)
        if !title.isEmpty {
            let size = try Canvas.textSize(title, size: Plot.titleTextSize)
            try canvas.drawText(title, x: max(2, (width - size.width) / 2), y: 6, size: Plot.titleTextSize)
        }
        let xLabelWidth = try Canvas.textSize(xLabel, size: Plot.labelTextSize).width
        try canvas.drawText(xLabel, x: max(2, Int((frame.left + frame.right) / 2) - xLabelWidth / 2),
                            y: height - labelHeight - 4, size: Plot.labelTextSize)
        let yLabelWidth = try Canvas.textSize(yLabel, size: Plot.labelTextSize).width
        try canvas.drawVerticalText(yLabel, x: 4, y: max(2, Int((frame.top + frame.bottom) / 2) - yLabelWidth / 2),
                                    size: Plot.labelTextSize)
        if showLegend { try drawLegend(on: &canvas, left: Int(frame.left), right: Int(frame.right), top: Int(frame.top)) }
        return canvas
    }

    private func drawLegend(on canvas: inout Canvas, left: Int, right: Int, top: Int) throws {
        guard let box = try legendBoxSize() else { return }
        let entries = legendEntries, size = Plot.tickTextSize, rowHeight = box.rowHeight
        let boxWidth = box.width, boxHeight = box.height
        let x0 = legendCorner == .topRight ? right - boxWidth - 6 : left + 6
        let y0 = top + 6
        canvas.fillRect(x0: Double(x0), y0: Double(y0), x1: Double(x0 + boxWidth), y1: Double(y0 + boxHeight), color: .white, alpha: 0.85)
        canvas.strokeRect(x0: Double(x0), y0: Double(y0), x1: Double(x0 + boxWidth), y1: Double(y0 + boxHeight), color: .gray)
        for (row, entry) in entries.enumerated() {
            let y = y0 + 4 + row * rowHeight
            let middle = Double(y) + Double(rowHeight - 3) / 2
            switch entry.2 {
            case .line:
                canvas.fillRect(x0: Double(x0 + 5), y0: middle - 1, x1: Double(x0 + 23), y1: middle + 1, color: entry.1)
            case .scatter:
                canvas.fillCircle(center: Point2D(Double(x0 + 14), middle), radius: 4, color: entry.1)
            case .bar:
                canvas.fillRect(x0: Double(x0 + 5), y0: middle - 4, x1: Double(x0 + 23), y1: middle + 4, color: entry.1)
            }
            try canvas.drawText(entry.0, x: x0 + 27, y: y, size: size)
        }
    }

    private var legendEntries: [(String, Color, Mark)] {
        series.enumerated().compactMap { index, s in s.label.map { ($0, s.color ?? Color.categorical(index), s.mark) } }
    }

    /// The legend box and its row height in pixels, or nil when no series has a label.
    func legendBoxSize() throws -> (width: Int, height: Int, rowHeight: Int)? {
        let entries = legendEntries
        guard !entries.isEmpty else { return nil }
        let rowHeight = try Canvas.textSize("Ag", size: Plot.tickTextSize).height + 3
        let textWidth = try entries.map { try Canvas.textSize($0.0, size: Plot.tickTextSize).width }.max()!
        return (textWidth + 32, entries.count * rowHeight + 6, rowHeight)
    }

    private func fittedRange(_ coordinate: KeyPath<Point2D, Double>, scale: Scale, includeZero: Bool) -> ClosedRange<Double> {
        var values = series.flatMap { $0.points.map { $0[keyPath: coordinate] } }.filter(\.isFinite)
        if scale == .log { values = values.filter { $0 > 0 } }
        guard var low = values.min(), var high = values.max() else { return scale == .log ? 1 ... 10 : 0 ... 1 }
        if scale == .log {
            // Just below the smallest value, so a bar of exactly a power of ten still shows.
            low = pow(10, log10(low * 0.99).rounded(.down))
            high = pow(10, log10(high).rounded(.up))
            if low == high { high = low * 10 }
            return low ... high
        }
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if low == high { low -= 1; high += 1 }
        let pad = includeZero ? 0 : (high - low) * 0.03
        return (low - pad) ... (high + pad)
    }

    /// The smallest pixel distance between neighbouring x values over all bar series; bars use it
    /// for their width.
    private func minimumSpacing(xAxis: Axis, frameWidth: Double) -> Double {
        let xs = Set(series.filter { $0.mark == .bar }.flatMap { $0.points.compactMap { xAxis.fraction($0.x) } }).sorted()
        let gaps = zip(xs, xs.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }
        return (gaps.min() ?? 0.05) * frameWidth
    }
}

/// One axis of a `Plot`: maps data values to [0, 1] and chooses tick positions and labels.
struct Axis {
    let scale: Plot.Scale
    let range: ClosedRange<Double>

    func fraction(_ value: Double) -> Double? {
        switch scale {
        case .linear:
            guard value.isFinite else { return nil }
            return (value - range.lowerBound) / (range.upperBound - range.lowerBound)
        case .log:
            guard value > 0, value.isFinite else { return nil }
            return (log10(value) - log10(range.lowerBound)) / (log10(range.upperBound) - log10(range.lowerBound))
        }
    }

    /// Ticks at 1-2-5 multiples of a power of ten (linear) or at powers of ten (log), about
    /// five to ten of them.
    func ticks() -> [(value: Double, label: String)] {
        switch scale {
        case .linear:
            let raw = (range.upperBound - range.lowerBound) / 6
            let magnitude = pow(10, log10(raw).rounded(.down))
            let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
            var values: [Double] = []
            var v = (range.lowerBound / step).rounded(.up) * step
            while v <= range.upperBound + step * 1e-9 {
                values.append(abs(v) < step * 1e-9 ? 0 : v)
                v += step
            }
            return values.map { ($0, Axis.format($0)) }
        case .log:
            let first = Int(log10(range.lowerBound).rounded(.down)), last = Int(log10(range.upperBound).rounded(.up))
            let multipliers: [Double] = last - first <= 2 ? [1, 2, 5] : [1]
            var result: [(value: Double, label: String)] = []
            for exponent in first ... last {
                for multiplier in multipliers {
                    let value = multiplier * pow(10, Double(exponent))
                    if value >= range.lowerBound * (1 - 1e-9), value <= range.upperBound * (1 + 1e-9) {
                        result.append((value, Axis.format(value)))
                    }
                }
            }
            return result
        }
    }

    static func format(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 {
            let exponent = Int(log10(magnitude).rounded(.down))
            let mantissa = value / pow(10, Double(exponent))
            let m = abs(mantissa - mantissa.rounded()) < 1e-9 ? String(Int(mantissa.rounded())) : String(format: "%.1f", mantissa)
            return "\(m)e\(exponent)"
        }
        if abs(value - value.rounded()) < 1e-9 * max(1, magnitude) { return String(Int(value.rounded())) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
