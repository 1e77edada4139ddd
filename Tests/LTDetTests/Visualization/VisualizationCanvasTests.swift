import Foundation
import Testing
@testable import LTDet

@Suite struct VisualizationCanvasTests {
    @Test func filledRectangleCoversPixelCentresInside() {
        var canvas = Canvas(width: 10, height: 10, background: .black)
        canvas.fillRect(x0: 2, y0: 3, x1: 5, y1: 4, color: .white)
        let white = (0 ..< 100).filter { canvas.pixel(x: $0 % 10, y: $0 / 10) == .white }
        #expect(white == [32, 33, 34])
    }

    @Test func polygonAreaMatchesGeometry() {
        var canvas = Canvas(width: 100, height: 100, background: .black)
        canvas.fillPolygon([Point2D(10, 10), Point2D(90, 10), Point2D(10, 90)], color: .white)
        let covered = (0 ..< 10_000).filter { canvas.pixel(x: $0 % 100, y: $0 / 100) == .white }.count
        #expect(abs(covered - 3200) < 90)
    }

    @Test func alphaBlendsHalfway() {
        var canvas = Canvas(width: 1, height: 1, background: .black)
        canvas.blendPixel(x: 0, y: 0, color: Color(200, 100, 0), alpha: 0.5)
        #expect(canvas.pixel(x: 0, y: 0) == Color(100, 50, 0))
    }

    /// Text comes from a TrueType font: anti-aliased (intermediate grey levels), inside the measured box, and
    /// wider for longer text and larger sizes.
    @Test func textIsAntiAliasedAndStaysInItsMeasuredBox() throws {
        var canvas = Canvas(width: 120, height: 40, background: .white)
        let size = try Canvas.textSize("Agg")
        try canvas.drawText("Agg", x: 10, y: 10)
        var inked: [(Int, Int)] = [], levels = Set<UInt8>()
        for y in 0..<40 {
            for x in 0..<120 where canvas.pixel(x: x, y: y) != .white {
                inked.append((x, y))
                levels.insert(canvas.pixel(x: x, y: y).r)
            }
        }
        #expect(!inked.isEmpty)
        #expect(inked.allSatisfy { $0.0 >= 10 && $0.0 < 10 + size.width + 1 && $0.1 >= 10 && $0.1 < 10 + size.height })
        #expect(levels.count > 3)
        #expect(try Canvas.textSize("Aggg").width > size.width)
        #expect(try Canvas.textSize("Agg", size: 24).width > size.width)
    }

    @Test func verticalTextIsTheHorizontalTextTurned() throws {
        var horizontal = Canvas(width: 60, height: 60, background: .white)
        var vertical = Canvas(width: 60, height: 60, background: .white)
        try horizontal.drawText("Ly", x: 0, y: 0)
        try vertical.drawVerticalText("Ly", x: 0, y: 0)
        let width = try Canvas.textSize("Ly").width
        for v in 0..<20 {
            for u in 0..<width { #expect(horizontal.pixel(x: u, y: v) == vertical.pixel(x: v, y: width - 1 - u)) }
        }
    }

    @Test func labelsNearAnEdgeMoveInside() {
        let canvas = Canvas(width: 100, height: 50)
        #expect(canvas.placeInside(x: 90, y: -5, width: 30, height: 12) == (70, 0))
        #expect(canvas.placeInside(x: 10, y: 10, width: 30, height: 12) == (10, 10))
    }

    @Test func plotAndHeatmapWritePNGs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ltdet-viz-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var plot = Plot(title: "Demo plot", xLabel: "iteration", yLabel: "loss")
        let train: [Point2D] = (0 ..< 50).map { Point2D(Double($0), 2 * exp(-Double($0) / 15)) }
        let val: [Point2D] = (0 ..< 10).map { (i: Int) -> Point2D in
            let x = Double(i * 5)
            return Point2D(x, 2.2 * exp(-x / 18))
        }
        let bars: [Point2D] = (0 ..< 10).map { (i: Int) -> Point2D in
            let height: Double = 0.1 * Double(i % 3 + 1)
            return Point2D(Double(i * 5 + 2), height)
        }
        plot.add(.init(label: "train", points: train))
        plot.add(.init(label: "val", points: val, mark: .scatter))
        plot.add(.init(label: "lr", points: bars, mark: .bar))
        let plotPath = directory.appendingPathComponent("plot.png").path
        try plot.write(to: plotPath, width: 640, height: 400)
        let decoded = try ImageFile.read(plotPath)
        #expect(decoded.width == 640 && decoded.height == 400)

        var logPlot = Plot(title: "log", xLabel: "rank", yLabel: "images")
        logPlot.yScale = .log
        let longTail: [Point2D] = (1 ... 200).map { rank in
            let r = Double(rank)
            return Point2D(r, 5000 / (r * r) + 0.5)
        }
        logPlot.add(.init(points: longTail, mark: .bar))
        try logPlot.write(to: directory.appendingPathComponent("log.png").path)

        let heatmap = Heatmap(title: "confusion", values: [[1, 0.2], [0.1, 0.7]], rowLabels: ["cat", "dog"], columnLabels: ["cat", "dog"])
        let heatmapPath = directory.appendingPathComponent("heatmap.png").path
        try heatmap.write(to: heatmapPath)
        #expect(try ImageFile.read(heatmapPath).width > 24)
        if let keep = ProcessInfo.processInfo.environment["LTDET_KEEP_PLOTS"] {
            for name in ["plot.png", "log.png", "heatmap.png"] {
                try? FileManager.default.removeItem(atPath: keep + "/" + name)
                try FileManager.default.copyItem(atPath: directory.appendingPathComponent(name).path, toPath: keep + "/" + name)
            }
        }
    }
}
