import Foundation
import Torch

/// The cosine-style classifier of Seesaw (mmdet `NormedLinear`):
/// logit_c = T * <x / (|x| + eps), W_c / (|W_c| + eps)> + b_c. Normalising both sides takes the feature and
/// weight norms (which grow with class frequency) out of the logits, so head classes cannot win by norm.
public final class NormedLinear: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    public let temperature: Double
    public let eps: Double

    /// Weights N(0, 0.01) and bias 0, as mmdet initialises the classifier of the box head.
    public init(_ inFeatures: Int, _ outFeatures: Int, temperature: Double = 20, eps: Double = 1e-6,
                generator: Generator? = nil) throws {
        _weight = Parameter(wrappedValue: try .empty([outFeatures, inFeatures]))
        _bias = Parameter(wrappedValue: try .zeros([outFeatures]))
        self.temperature = temperature
        self.eps = eps
        super.init()
        try Init.normal(weight, std: 0.01, generator: generator)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let w = try weight / (weight.norm([1], keepDim: true) + eps)
        let xn = try x / (x.norm([1], keepDim: true) + eps) * temperature
        return try Functional.linear(xn, weight: w, bias: bias)
    }
}
