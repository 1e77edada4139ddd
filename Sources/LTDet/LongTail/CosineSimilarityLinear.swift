import Foundation
import Torch

/// RIO's cosine classifier (NVlabs/RIO `memory_bank/new_layers.py` `distLinear`, after Chen et al.'s "A Closer
/// Look at Few-shot Classification"; the box predictor multiplies by `TEMP_S`):
/// logit_c = s * <x / (|x| + 1e-5), w_c>, with w_c = g_c * v_c / |v_c| (weight normalisation). Unlike
/// `NormedLinear` the weight keeps a learnable per-class length g_c and there is no bias: rare classes are not
/// out-voted by feature norm, while each class may still learn its own sharpness. All C+1 (or the loss's
/// width) outputs, background included, go through the same layer, as in RIO.
public final class CosineSimilarityLinear: Module, UnaryLayer {
    /// Per-class lengths g (out x 1) and directions v (out x in): torch's `weight_g` / `weight_v`.
    @Parameter public var weightG: Tensor
    @Parameter public var weightV: Tensor
    public let scale: Double
    /// Added to the input norm (RIO: 1e-5) so an all-zero feature row gives zero logits, not NaN.
    public let eps: Double
    /// RIO's `TEMP_S` in every LVIS config.
    public static let rioScale = 48.0

    /// v as torch's `nn.Linear` default (U(-1/sqrt(in), 1/sqrt(in))), g = |v| as `weight_norm` sets it, so the
    /// initial weight equals v.
    public init(_ inFeatures: Int, _ outFeatures: Int, scale: Double = rioScale, eps: Double = 1e-5,
                generator: Generator? = nil) throws {
        _weightV = Parameter(wrappedValue: try .empty([outFeatures, inFeatures]))
        _weightG = Parameter(wrappedValue: try .empty([outFeatures, 1]))
        self.scale = scale
        self.eps = eps
        super.init()
        try Init.kaimingUniform(weightV, a: 5.0.squareRoot(), generator: generator)
        try withNoGrad { try weightG.copy_(weightV.norm([1], keepDim: true)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let w = try weightV * (weightG / weightV.norm([1], keepDim: true))
        let xn = try x / (x.norm([1], keepDim: true) + eps)
        return try Functional.linear(xn, weight: w) * scale
    }
}
