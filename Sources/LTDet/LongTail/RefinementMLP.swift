import Torch

/// in -> 512 -> ReLU -> out, with an optional LayerNorm on the input (PCB's two-layer `MLP`, the iterative
/// RoI head's sub-modules). State names follow PCB: `layers.fc1.weight`, `layer_norm.weight`.
public final class RefinementMLP: Module, UnaryLayer {
    public let layers: Layers
    public let layerNorm: LayerNorm?

    public final class Layers: Module {
        public let fc1: Linear
        public let fc2: Linear

        init(_ input: Int, _ hidden: Int, _ output: Int, generator: Generator?) throws {
            fc1 = try Linear(input, hidden, generator: generator)
            fc2 = try Linear(hidden, output, generator: generator)
        }
    }

    public init(input: Int, hidden: Int, output: Int, useLayerNorm: Bool, generator: Generator? = nil) throws {
        layers = try Layers(input, hidden, output, generator: generator)
        layerNorm = useLayerNorm ? try LayerNorm([input]) : nil
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let normalized = try layerNorm.map { try $0(x) } ?? x
        return try layers.fc2(try layers.fc1(normalized).relu_())
    }
}
