import Foundation
import Torch

/// PCB's confusion matrix as a heatmap and its strongest off-diagonal pairs, for `ltdet dev confusion`.
public enum ConfusionHeatmap {
    public struct Pair: Sendable {
        public let trueClass: Int
        public let predictedClass: Int
        public let value: Float
    }

    /// The `top` largest entries M[true, predicted] with true != predicted, largest first.
    public static func strongestConfusions(_ matrix: [Float], numClasses c: Int, top: Int) -> [Pair] {
        var pairs: [Pair] = []
        pairs.reserveCapacity(c * c)
        for i in 0..<c {
            for j in 0..<c where i != j { pairs.append(Pair(trueClass: i, predictedClass: j, value: matrix[i * c + j])) }
        }
        return Array(pairs.sorted { $0.value > $1.value }.prefix(top))
    }

    /// The matrix as a heatmap, rows = true class and columns = predicted class, both in `order` (e.g. most
    /// frequent first). Cells show the square root of the entry so the small off-diagonal mass stays visible
    /// next to the diagonal; labels are drawn only while they fit (up to 60 classes).
    public static func heatmap(_ matrix: [Float], numClasses c: Int, order: [Int], names: [String]? = nil) -> Heatmap {
        let values = order.map { i in order.map { j in Double(matrix[i * c + j]).squareRoot() } }
        let labels = c <= 60 ? order.map { names?[$0] ?? "\($0)" } : []
        return Heatmap(
            title: "PCB confusion (sqrt of row share; rows true, columns predicted)", values: values,
            rowLabels: labels, columnLabels: labels)
    }
}
