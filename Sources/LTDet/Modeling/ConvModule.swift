import Torch

/// A convolution optionally followed by ReLU, named as mmcv's `ConvModule` (`<name>.conv.weight`) so that
/// mmdet FPN and mask-head checkpoints map directly. Initialised as mmcv does for a ReLU conv: Kaiming normal
/// (fan-out), bias 0; the FPN re-initialises its own with Xavier.
public final class ConvModule: Module, UnaryLayer {
    public let conv: Conv2d
    public let activation: Bool

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0, activation: Bool) throws {
        conv = try Conv2d(inChannels, outChannels, kernelSize: kernelSize, padding: padding)
        self.activation = activation
        super.init()
        try Init.kaimingNormal(conv.weight, fanOutMode: true)
        if let b = conv.bias { try Init.constant(b.wrappedValue, 0) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try conv(x)
        return activation ? try y.relu_() : y
    }
}
