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

        public init(label: String? = nil, points: [Point2D], mark: Mark = .line, color: Color? = nil, size: Double? = nil) {
            self.label = label
            self.points = points
            self.mark = mark
            self.color = color
            self.size = size
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

    public func render(width: Int = 800, height: Int = 500) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let xAxis = Axis(scale: xScale, range: xRange ?? fittedRange(\.x, scale: xScale, includeZero: false))
        let yAxis = Axis(scale: yScale, range: yRange ?? fittedRange(\.y, scale: yScale, includeZero: series.contains { $0.mark == .bar }))
        let yTicks = yAxis.ticks()
        let tickLabelWidth = yTicks.map { Canvas.textSize($0.label).width }.max() ?? 0
        let frame = (left: Double(tickLabelWidth + 26), top: title.isEmpty ? 12.0 : 28.0,
                     right: Double(width - 16), bottom: Double(height - 40))
        func toPixel(_ p: Point2D) -> Point2D? {
            guard let fx = xAxis.fraction(p.x), let fy = yAxis.fraction(p.y) else { return nil }
            return Point2D(frame.left + fx * (frame.right - frame.left), frame.bottom - fy * (frame.bottom - frame.top))
        }

        for tick in yTicks {
            guard let fy = yAxis.fraction(tick.value) else { continue }
            let y = frame.bottom - fy * (frame.bottom - frame.top)
            canvas.drawLine(from: Point2D(frame.left, y), to: Point2D(frame.right, y), color: .lightGray)
            let size = Canvas.textSize(tick.label)
            canvas.drawText(tick.label, x: Int(frame.left) - 6 - size.width, y: Int(y) - 3)
        }
        for tick in xAxis.ticks() {
            guard let fx = xAxis.fraction(tick.value) else { continue }
            let x = frame.left + fx * (frame.right - frame.left)
            canvas.drawLine(from: Point2D(x, frame.top), to: Point2D(x, frame.bottom), color: .lightGray)
            let size = Canvas.textSize(tick.label)
            canvas.drawText(tick.label, x: Int(x) - size.width / 2, y: Int(frame.bottom) + 6)
        }

        let spacing = minimumSpacing(xAxis: xAxis, frameWidth: frame.right - frame.left)
        let baseline = yAxis.fraction(yScale == .log ? yAxis.range.lowerBound : max(0, yAxis.range.lowerBound)) ?? 0
        for (index, s) in series.enumerated() {
            let color = s.color ?? Color.categorical(index)
            let pixels = s.points.compactMap(toPixel)
            switch s.mark {
            case .line:
                canvas.drawPolyline(pixels, color: color, thickness: Int(s.size ?? 2))
            case .scatter:
                for p in pixels { canvas.fillCircle(center: p, radius: (s.size ?? 5) / 2, color: color) }
            case .bar:
                let half = max(spacing * (s.size ?? 0.8) / 2, 0.5)
                let baseY = frame.bottom - baseline * (frame.bottom - frame.top)
                for p in pixels {
                    canvas.fillRect(x0: p.x - half, y0: min(p.y, baseY), x1: p.x + half, y1: max(p.y, baseY), color: color)
                }
            }
        }

        canvas.drawLine(from: Point2D(frame.left, frame.bottom), to: Point2D(frame.right, frame.bottom), color: .black)
        canvas.drawLine(from: Point2D(frame.left, frame.top), to: Point2D(frame.left, frame.bottom), color: .black)
        if !title.isEmpty {
            canvas.drawText(title, x: (width - Canvas.textSize(title, scale: 2).width) / 2, y: 6, scale: 2)
        }
        canvas.drawText(xLabel, x: Int((frame.left + frame.right) / 2) - Canvas.textSize(xLabel).width / 2, y: height - 16)
        canvas.drawVerticalText(yLabel, x: 4, y: Int((frame.top + frame.bottom) / 2) - Canvas.textSize(yLabel).width / 2)
        if showLegend { drawLegend(on: &canvas, right: Int(frame.right), top: Int(frame.top)) }
        return canvas
    }

    private func drawLegend(on canvas: inout Canvas, right: Int, top: Int) {
        let entries = series.enumerated().compactMap { index, s in s.label.map { ($0, s.color ?? Color.categorical(index)) } }
        guard !entries.isEmpty else { return }
        let textWidth = entries.map { Canvas.textSize($0.0).width }.max()!
        let boxWidth = textWidth + 28, boxHeight = entries.count * 12 + 6
        let x0 = right - boxWidth - 6, y0 = top + 6
        canvas.fillRect(x0: Double(x0), y0: Double(y0), x1: Double(x0 + boxWidth), y1: Double(y0 + boxHeight), color: .white, alpha: 0.85)
        canvas.strokeRect(x0: Double(x0), y0: Double(y0), x1: Double(x0 + boxWidth), y1: Double(y0 + boxHeight), color: .gray)
        for (row, entry) in entries.enumerated() {
            let y = y0 + 4 + row * 12
            canvas.fillRect(x0: Double(x0 + 5), y0: Double(y), x1: Double(x0 + 19), y1: Double(y + 7), color: entry.1)
            canvas.drawText(entry.0, x: x0 + 23, y: y)
        }
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
