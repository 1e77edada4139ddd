import Foundation

/// y = x W^T + b. Initialised as torch.nn.Linear (Kaiming-uniform weights, uniform bias).
public final class Linear: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    /// nil for a layer built without bias (no entry in the state dict, as PyTorch).
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: Generator? = nil) throws {
        _weight = Parameter(wrappedValue: try .empty([outFeatures, inFeatures]))
        self.bias = bias ? Parameter(wrappedValue: try .zeros([outFeatures])) : nil
        super.init()
        try Init.kaimingUniform(weight, a: sqrt(5), generator: generator)
        if let b = self.bias {
            let bound = 1 / sqrt(Double(inFeatures))
            try Init.uniform(b.wrappedValue, -bound, bound, generator: generator)
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.linear(x, weight: weight, bias: bias?.wrappedValue)
    }
}

/// 2-D convolution, initialised as torch.nn.Conv2d.
public final class Conv2d: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    /// nil for a layer built without bias (no entry in the state dict, as PyTorch).
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: Generator? = nil
    ) throws {
        _weight = Parameter(wrappedValue: try .empty([outChannels, inChannels / groups, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(wrappedValue: try .zeros([outChannels])) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
        self.groups = groups
        super.init()
        try Init.kaimingUniform(weight, a: sqrt(5), generator: generator)
        if let b = self.bias {
            let fanIn = Double(inChannels / groups * kernelSize * kernelSize)
            try Init.uniform(b.wrappedValue, -1 / sqrt(fanIn), 1 / sqrt(fanIn), generator: generator)
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(
            x, weight: weight, bias: bias?.wrappedValue, stride: stride, padding: padding, dilation: dilation,
            groups: groups)
    }
}

/// 2-D transposed convolution (weight: in x out/groups x k x k), initialised as torch.nn.ConvTranspose2d.
public final class ConvTranspose2d: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    /// nil for a layer built without bias (no entry in the state dict, as PyTorch).
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let outputPadding: (Int, Int)
    public let groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, groups: Int = 1, bias: Bool = true, generator: Generator? = nil
    ) throws {
        _weight = Parameter(wrappedValue: try .empty([inChannels, outChannels / groups, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(wrappedValue: try .zeros([outChannels])) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.outputPadding = (outputPadding, outputPadding)
        self.groups = groups
        super.init()
        try Init.kaimingUniform(weight, a: sqrt(5), generator: generator)
        if let b = self.bias {
            // PyTorch computes the fan-in of a transposed conv from weight dim 1.
            let fanIn = Double(outChannels / groups * kernelSize * kernelSize)
            try Init.uniform(b.wrappedValue, -1 / sqrt(fanIn), 1 / sqrt(fanIn), generator: generator)
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.convTranspose2d(
            x, weight: weight, bias: bias?.wrappedValue, stride: stride, padding: padding,
            outputPadding: outputPadding, groups: groups)
    }
}

/// Batch normalisation with running statistics (PyTorch names and defaults).
public final class BatchNorm2d: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    @Buffer public var runningMean: Tensor
    @Buffer public var runningVar: Tensor
    @Buffer public var numBatchesTracked: Tensor
    public let eps: Double
    public let momentum: Double

    public init(_ channels: Int, eps: Double = 1e-5, momentum: Double = 0.1) throws {
        _weight = Parameter(wrappedValue: try .ones([channels]))
        _bias = Parameter(wrappedValue: try .zeros([channels]))
        _runningMean = Buffer(wrappedValue: try .zeros([channels]))
        _runningVar = Buffer(wrappedValue: try .ones([channels]))
        _numBatchesTracked = Buffer(wrappedValue: try .zeros([], dtype: .int64))
        self.eps = eps
        self.momentum = momentum
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if isTraining { try withNoGrad { try numBatchesTracked.add_(try Tensor.ones([], dtype: .int64)) } }
        return try Functional.batchNorm(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, training: isTraining,
            momentum: momentum, eps: eps)
    }
}

/// Batch normalisation with fixed statistics and affine parameters, all buffers (Detectron2/mmdet
/// "frozen BN"): y = x * w / sqrt(var + eps) + (b - mean * w / sqrt(var + eps)).
public final class FrozenBatchNorm2d: Module, UnaryLayer {
    @Buffer public var weight: Tensor
    @Buffer public var bias: Tensor
    @Buffer public var runningMean: Tensor
    @Buffer public var runningVar: Tensor
    public let eps: Double

    public init(_ channels: Int, eps: Double = 1e-5) throws {
        _weight = Buffer(wrappedValue: try .ones([channels]))
        _bias = Buffer(wrappedValue: try .zeros([channels]))
        _runningMean = Buffer(wrappedValue: try .zeros([channels]))
        _runningVar = Buffer(wrappedValue: try .ones([channels]))
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let scale = try weight * (runningVar + eps).rsqrt()
        let shift = try bias - runningMean * scale
        let c = scale.size(0)
        return try x * scale.view(1, c, 1, 1) + shift.view(1, c, 1, 1)
    }
}

public final class GroupNorm: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    public let groups: Int
    public let eps: Double

    public init(groups: Int, channels: Int, eps: Double = 1e-5) throws {
        _weight = Parameter(wrappedValue: try .ones([channels]))
        _bias = Parameter(wrappedValue: try .zeros([channels]))
        self.groups = groups
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
    }
}

public final class LayerNorm: Module, UnaryLayer {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor
    public let normalizedShape: [Int]
    public let eps: Double

    public init(_ normalizedShape: [Int], eps: Double = 1e-5) throws {
        _weight = Parameter(wrappedValue: try .ones(normalizedShape))
        _bias = Parameter(wrappedValue: try .zeros(normalizedShape))
        self.normalizedShape = normalizedShape
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.layerNorm(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}

/// ReLU as a layer, for `Sequential`.
public final class ReLU: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.relu() }
}

/// Layers applied in order; children are named 0, 1, ... as in torch.nn.Sequential.
public final class Sequential: Module, UnaryLayer {
    public let layers: [any UnaryLayer]

    public init(_ layers: [any UnaryLayer]) { self.layers = layers }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element) }
    }

    public override func localState() -> [(String, StateEntry)] { [] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = x
        for layer in layers { y = try layer(y) }
        return y
    }
}
