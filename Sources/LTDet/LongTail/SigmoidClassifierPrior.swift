import Foundation
import Torch

/// The starting point of a sigmoid classifier, as tztztztztz/eqlv2 and megvii-research/PCB initialise `fc_cls`
/// when the loss uses sigmoids (`ConvFCBBoxHead.init_weights`: `normal_init(fc_cls, std=0.01,
/// bias=bias_init_with_prob(0.001))`). With a zero bias every one of the C+1 independent sigmoids would start
/// at p = 0.5, so the first steps are spent pushing about a thousand negatives per RoI down, and EQL v2 would
/// accumulate its gradient statistics from that artificial start; the prior makes every output start at
/// p = 0.001, the rarity of a class in a RoI (the focal-loss prior).
public enum SigmoidClassifierPrior {
    /// The initial probability of each sigmoid output.
    public static let probability = 0.001

    /// mmcv's `bias_init_with_prob(p)`: the logit whose sigmoid is p, -log((1 - p) / p).
    public static func bias(probability p: Double = probability) -> Double { -log((1 - p) / p) }

    /// A linear classifier with weights N(0, 0.01) and every bias at `bias()`.
    public static func makeClassifier(
        inputFeatures: Int, outputWidth: Int, generator: Generator?
    ) throws -> any UnaryLayer {
        let fc = try Linear(inputFeatures, outputWidth, generator: generator)
        try Init.normal(fc.weight, std: 0.01, generator: generator)
        if let b = fc.bias { try Init.constant(b.wrappedValue, bias()) }
        return fc
    }
}
