import Foundation
import Torch

/// Seesaw's "normed mask" predictor (mmdet `NormedConv2d`): the input normalised over channels at every pixel,
/// each filter normalised over its input channels, times a temperature, plus bias. Used as the 1x1 mask
/// logits conv so that frequent classes cannot dominate the mask logits by filter norm.
public final class NormedConv2d: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    public let temperature: Double
    public let eps: Double
    public let padding: Int

    /// Kaiming-normal (fan-out, ReLU) weights and zero bias, as mmdet's FCN mask head initialises its logits conv.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 1, padding: Int = 0,
                temperature: Double = 20, eps: Double = 1e-6, generator: Generator? = nil) throws {
        _weight = Parameter(wrappedValue: try .empty([outChannels, inChannels, kernelSize, kernelSize]))
        _bias = Parameter(wrappedValue: try .zeros([outChannels]))
        self.temperature = temperature
        self.eps = eps
        self.padding = padding
        super.init()
        try Init.kaimingNormal(weight, fanOutMode: true, generator: generator)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let w = try weight / (weight.norm([1], keepDim: true) + eps)
        let xn = try x / (x.norm([1], keepDim: true) + eps) * temperature
        return try Functional.conv2d(xn, weight: w, bias: bias, padding: (padding, padding))
    }
}
