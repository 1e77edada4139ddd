import Foundation
import Torch

/// PCB's iterative learning paradigm for the box head: the head runs R times with shared weights, and after
/// each step its own predictions re-weight the RoI feature, F_{r+1} = F_r * s + b, with a channel bias
/// b = MLP_cls(z_r) (256x1x1) and a spatial scale s = MLP_loc(d_r) (1x7x7). Later steps thus see features
/// conditioned on what the earlier ones confused, and the PCB strength is ramped over the steps
/// (a_r = a r/(R-1)) so the fightback term acts mostly on the refined prediction.
///
/// The box head drives it: `refine(features, head:)` returns every step's predictions; the head computes
/// each step's classification loss with `pcbAlphaOverride: pcbStrength(step:alpha:)`, combines them with
/// `weightedClassificationTerms`, and takes the box regression loss from the last step alone, unweighted.
/// State names follow PCB's `IterativeRoIHead` (`cls_sub_module.layers.fc1.weight`, ...).
public final class IterativeRefinement: Module {
    public let clsSubModule: RefinementMLP
    public let locSubModule: RefinementMLP
    public let steps: Int
    /// Loss weight of each step's classification terms (0.2, 0.2, 0.6).
    public let stepWeights: [Double]
    public let featureChannels: Int
    public let roiSize: Int

    /// `classifierWidth` is the loss's `outputWidth` (C+1, or C+2 for Seesaw); box deltas are 4C wide.
    /// `useLayerNorm` normalises the classifier logits before MLP_cls (the EQL v2 recipe).
    public init(
        classifierWidth: Int, numClasses: Int, featureChannels: Int = 256, roiSize: Int = 7, steps: Int = 3,
        stepWeights: [Double] = [0.2, 0.2, 0.6], useLayerNorm: Bool = false, generator: Generator? = nil
    ) throws {
        guard steps >= 2, stepWeights.count == steps else {
            throw TorchError("IterativeRefinement: need at least 2 steps and one weight per step, got \(steps) and \(stepWeights)")
        }
        clsSubModule = try RefinementMLP(
            input: classifierWidth, hidden: 512, output: featureChannels, useLayerNorm: useLayerNorm, generator: generator)
        locSubModule = try RefinementMLP(
            input: 4 * numClasses, hidden: 512, output: roiSize * roiSize, useLayerNorm: false, generator: generator)
        self.steps = steps
        self.stepWeights = stepWeights
        self.featureChannels = featureChannels
        self.roiSize = roiSize
    }

    /// Runs the head `steps` times on N x 256 x 7 x 7 RoI features; the last element is the test-time output.
    public func refine(
        _ features: Tensor, head: (Tensor) throws -> (clsLogits: Tensor, boxDeltas: Tensor)
    ) throws -> [(clsLogits: Tensor, boxDeltas: Tensor)] {
        var current = features
        var predictions: [(clsLogits: Tensor, boxDeltas: Tensor)] = []
        for step in 0..<steps {
            let prediction = try head(current)
            predictions.append(prediction)
            // The last step's refinement would feed nothing.
            if step == steps - 1 { break }
            let n = current.size(0)
            let channelBias = try clsSubModule(prediction.clsLogits).view(n, featureChannels, 1, 1)
            let spatialScale = try locSubModule(prediction.boxDeltas).view(n, 1, roiSize, roiSize)
            current = try current * spatialScale + channelBias
        }
        return predictions
    }

    /// a_r = a * r / (R-1) for step r = 0..<R.
    public func pcbStrength(step: Int, alpha: Double) -> Double { alpha * Double(step) / Double(steps - 1) }

    /// Sums each step's loss terms weighted by `stepWeights` (metrics: the last step's).
    public func weightedClassificationTerms(_ perStep: [LossTerms]) throws -> LossTerms {
        guard perStep.count == steps else {
            throw TorchError("IterativeRefinement: \(perStep.count) step losses for \(steps) steps")
        }
        var losses: [String: Tensor] = [:]
        for (terms, weight) in zip(perStep, stepWeights) {
            for (name, value) in terms.losses {
                let weighted = try value * weight
                losses[name] = try losses[name].map { try $0 + weighted } ?? weighted
            }
        }
        return LossTerms(losses: losses, metrics: perStep.last?.metrics ?? [:])
    }
}

/// in -> 512 -> ReLU -> out, with an optional LayerNorm on the input (PCB's `MLP` with two layers).
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
        return try layers.fc2(try layers.fc1(normalized).relu())
    }
}
