import Foundation
import LVISKit
import Testing

@testable import LTDet
import TestSupport

/// The pieces behind `ltdet compare` and `ltdet analyze-logs`: the plain-text log, reading logs back, the
/// frequency plots. LTDET_KEEP_PLOTS=DIR keeps the PNGs.
@Suite struct AnalysisToolsTests {
    static func keep(_ canvas: Canvas, _ name: String) throws {
        if let dir = ProcessInfo.processInfo.environment["LTDET_KEEP_PLOTS"] { try canvas.write(to: dir + "/" + name) }
    }

    @Test func everyLogEntryAlsoGoesToAPlainTextLog() throws {
        let dir = try temporaryDirectory()
        let log = JSONLinesLog(url: dir.appendingPathComponent("log.jsonl"))
        try log.append(mode: "train", epoch: 1, iteration: 4,
                       values: ["loss": 1.25, "loss_cls": 0.5, "lr": 0.02, "time": 0.5, "eta": 3725, "grad_norm": 2])
        try log.append(mode: "val", epoch: 1, iteration: 4, values: ["bbox_AP": 0.125])
        let lines = try String(contentsOf: dir.appendingPathComponent("log.txt"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("Epoch [1][iter 4]  lr: 2.000e-02, eta: 1:02:05, time: 0.500, loss_cls: 0.5000, loss: 1.2500, grad_norm: 2.0000"))
        #expect(lines[1].hasSuffix("Epoch(val) [1][iter 4]  bbox_AP: 0.1250"))

        // And to a TensorBoard event file: two records after the file-version record, each framed with CRCs.
        let events = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("tf_logs").path)
        #expect(events.count == 1 && events[0].hasPrefix("events.out.tfevents."))

        let back = try TrainingLog(path: log.url.path)
        #expect(back.series("loss", mode: "train") == [Point2D(4, 1.25)])
        #expect(back.keys(mode: "val") == ["bbox_AP"])
    }

    /// The published CRC-32C check value (RFC 3720's test vector "123456789").
    @Test func crc32cMatchesItsCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func aLineThatIsNoLogEntryIsAnErrorNamingTheLine() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("log.jsonl").path
        try "{\"mode\": \"train\", \"epoch\": 1, \"iter\": 2, \"loss\": 1}\n{\"loss\": 1}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try TrainingLog(path: path) } throws: { "\($0)".contains(path) && "\($0)".contains("line 2") }
    }

    @Test func curvesOfSeveralRunsRender() throws {
        let dir = try temporaryDirectory()
        var runs: [(name: String, log: TrainingLog)] = []
        for (n, decay) in [20.0, 35.0].enumerated() {
            let log = JSONLinesLog(url: dir.appendingPathComponent("run\(n).jsonl"))
            for i in stride(from: 10, through: 200, by: 10) {
                try log.append(mode: "train", epoch: 1 + i / 100, iteration: i, values: ["loss": 3 * exp(-Double(i) / decay) + 0.2])
            }
            for i in [100, 200] { try log.append(mode: "val", epoch: i / 100, iteration: i, values: ["bbox_AP": Double(i) / 1000]) }
            runs.append(("run \(n)", try TrainingLog(path: log.url.path)))
        }
        let loss = try TrainingCurves.compare(runs, keys: ["loss"], mode: "train").render(width: 640, height: 400)
        let ap = try TrainingCurves.compare(runs, keys: ["bbox_AP"], mode: "val").render(width: 640, height: 400)
        #expect(loss.width == 640 && ap.height == 400)
        try Self.keep(loss, "analyze_logs_loss.png")
        try Self.keep(ap, "analyze_logs_ap.png")
    }

    static func table(_ shift: Double) -> CategoryResultsTable {
        let rows = (1...60).map { id -> CategoryResultsTable.Row in
            let images = Int(pow(1.12, Double(id)))
            let group: LVISDataset.Frequency = images <= 10 ? .rare : images <= 100 ? .common : .frequent
            let ap = min(1, max(0, 0.08 * log(Double(images)) + shift + 0.05 * sin(Double(id))))
            return .init(id: id, name: "class \(id)", frequency: group, trainImages: images, trainInstances: 2 * images,
                         ap: [.bbox: id % 17 == 0 ? -1 : ap], ar: [.bbox: ap])
        }
        return CategoryResultsTable(iouTypes: [.bbox], rows: rows)
    }

    @Test func smoothingKeepsAConstantAndFollowsATrend() {
        let flat = (1...40).map { Point2D(Double($0 * $0), 0.3) }
        #expect(FrequencyComparison.smoothed(flat, bandwidth: 0.3).allSatisfy { abs($0.y - 0.3) < 1e-12 })
        let rising = (1...40).map { Point2D(pow(10, Double($0) / 10), Double($0) / 40) }
        let curve = FrequencyComparison.smoothed(rising, bandwidth: 0.3)
        #expect(curve.count > 40 && curve.first!.y < curve.last!.y)
    }

    @Test func groupMeansSkipClassesWithoutGroundTruth() {
        let table = Self.table(0)
        for group in LVISDataset.Frequency.allCases {
            let values = table.rows.filter { $0.frequency == group && $0.ap[.bbox]! > -1 }.map { $0.ap[.bbox]! }
            let mean = FrequencyComparison.groupMean(table, iouType: .bbox, group: group)
            #expect(abs(mean! - values.reduce(0, +) / Double(values.count)) < 1e-12)
        }
    }

    /// Six runs' legend is a tall box in the top-right corner, where the "all" group's bars stand: the y axis rises
    /// until the tallest bar ends below the box.
    @Test func groupBarsKeepTheirLegendClearOfTheBars() throws {
        let runs = (0..<6).map { FrequencyComparison.Run(name: "run with a long name \($0)", table: Self.table(0.3 + 0.02 * Double($0))) }
        let plot = FrequencyComparison.groupBars(runs, iouType: .bbox)
        let height = 480
        let tallest = try #require(plot.series.flatMap { $0.points.map(\.y) }.max())
        let legend = try #require(try plot.legendBoxSize())
        let frame = try plot.frameVerticalExtent(height: height)
        let range = try plot.shownYRange(height: height)
        let tallestPixel = frame.bottom - (tallest - range.lowerBound) / (range.upperBound - range.lowerBound) * (frame.bottom - frame.top)
        #expect(tallestPixel > frame.top + 6 + Double(legend.height))
        // Without the option the same data would run into the box: the test could fail.
        var plain = plot
        plain.legendClearsData = false
        let plainRange = try plain.shownYRange(height: height)
        let plainPixel = frame.bottom - (tallest - plainRange.lowerBound) / (plainRange.upperBound - plainRange.lowerBound) * (frame.bottom - frame.top)
        #expect(plainPixel < frame.top + 6 + Double(legend.height))
        try Self.keep(try plot.render(width: 800, height: height), "group_ap_six_runs.png")
    }

    @Test func frequencyPlotsOfTwoRunsRender() throws {
        let runs = [FrequencyComparison.Run(name: "baseline", table: Self.table(0)),
                    FrequencyComparison.Run(name: "seesaw", table: Self.table(0.1))]
        let scatter = try FrequencyComparison.apVersusFrequency(runs, iouType: .bbox).render(width: 900, height: 560)
        let bars = try FrequencyComparison.groupBars(runs, iouType: .bbox).render(width: 800, height: 480)
        #expect(scatter.width == 900 && bars.width == 800)
        // The rare group's points are drawn in the rare colour somewhere.
        let rare = FrequencyComparison.groupColors[.rare]!
        #expect((0..<scatter.height).contains { y in (0..<scatter.width).contains { x in scatter.pixel(x: x, y: y) == rare } })
        try Self.keep(scatter, "ap_vs_frequency.png")
        try Self.keep(bars, "group_ap.png")
    }
}
