import ArgumentParser
import Foundation
import LTDet
import Torch

/// Shows where PCB's confusion matrix says the bias lies: a heatmap (rows true class, columns predicted class)
/// and the strongest off-diagonal pairs, i.e. which class absorbs which.
struct DevConfusionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confusion", abstract: "Render a checkpoint's PCB confusion matrix and list its strongest pairs.")

    @Option(help: "Checkpoint .safetensors of a PCB run (method.cls_loss.confusion; method.confusion in checkpoints from before the long-tail seam).")
    var checkpoint: String
    @Option(help: "Output PNG heatmap.") var plot: String
    @Option(help: "How many off-diagonal pairs to list.") var top: Int = 20

    func run() throws {
        let (tensors, metadata) = try Safetensors.load(from: URL(fileURLWithPath: checkpoint))
        // The classification loss keeps PCB's matrix under its checkpoint prefix `cls_loss`.
        guard let confusion = tensors["method.cls_loss.confusion"] ?? tensors["method.confusion"], confusion.rank == 2,
            confusion.size(0) == confusion.size(1)
        else { throw ValidationError("\(checkpoint): no square method.cls_loss.confusion tensor (was PCB enabled?)") }
        let c = confusion.size(0)
        let matrix = try confusion.to(.float32).contiguous().toArray(Float.self)
        // Checkpoints of training runs carry their classes; older ones are labelled by id.
        let classes = try CheckpointClasses(metadata: metadata, file: checkpoint).flatMap { $0.count == c ? $0 : nil }
        let names = classes?.names
        let frequency = classes?.trainingImages.map(Double.init)
        // Most frequent first, so head classes sit top-left and the tail bottom-right.
        let order = frequency.map { f in (0..<c).sorted { f[$0] > f[$1] || (f[$0] == f[$1] && $0 < $1) } }
            ?? Array(0..<c)
        let cell = max(2, min(16, 900 / max(c, 1)))
        try ConfusionHeatmap.heatmap(matrix, numClasses: c, order: order, names: names).write(to: plot, cellSize: cell)
        print("wrote \(c)x\(c) heatmap to \(plot) (classes ordered by \(frequency == nil ? "id" : "training frequency"))")

        func label(_ k: Int) -> String {
            let name = names?[k] ?? "class \(k)"
            return frequency.map { "\(name) (freq \(Self.format($0[k])))" } ?? name
        }
        print("strongest confusions (true class -> predicted class: row share):")
        for pair in ConfusionHeatmap.strongestConfusions(matrix, numClasses: c, top: top) {
            print(String(format: "  %.4f  ", pair.value) + "\(label(pair.trueClass)) -> \(label(pair.predictedClass))")
        }
    }

    private static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.3g", x) }
}
