import Torch

// ResNet backbone (torchvision / mmdet style "pytorch": the stride sits in the 3x3 convolution).
// Input: images N x 3 x H x W (H, W multiples of 32). Output: C2..C5 at strides 4, 8, 16, 32 with
// 64/128/256/512 channels (basic blocks) or 256/512/1024/2048 (bottlenecks).
// Parameter names are torchvision's (`layer1.0.conv1.weight`, `layer1.0.downsample.1.running_mean`), so a
// torchvision or mmdet `.pth` state dict loads directly (see `loadPretrained`).

/// The normalisation layer of the backbone.
public enum NormKind: String, Codable, Sendable {
    /// Fixed statistics and affine parameters (torchvision's detection backbones, Detectron2).
    case frozenBN = "frozen_bn"
    /// BatchNorm; with `norm_eval` its statistics stay frozen while the affine parameters train (mmdet).
    case batchNorm = "bn"
    /// GroupNorm with 32 groups.
    case groupNorm = "gn"
}

func makeNorm(_ kind: NormKind, channels: Int) throws -> any UnaryLayer {
    switch kind {
    case .frozenBN: try FrozenBatchNorm2d(channels)
    case .batchNorm: try BatchNorm2d(channels)
    case .groupNorm: try GroupNorm(groups: 32, channels: channels)
    }
}

/// Two 3x3 convolutions (ResNet-18/34).
final class BasicBlock: Module, UnaryLayer {
    static let expansion = 1
    let conv1: Conv2d
    let bn1: any UnaryLayer
    let conv2: Conv2d
    let bn2: any UnaryLayer
    let downsample: Sequential?

    init(inChannels: Int, planes: Int, stride: Int, norm: NormKind) throws {
        conv1 = try Conv2d(inChannels, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = try makeNorm(norm, channels: planes)
        conv2 = try Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = try makeNorm(norm, channels: planes)
        downsample = try makeDownsample(inChannels, planes, stride: stride, norm: norm)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try bn2(conv2(bn1(conv1(x)).relu_()))
        return try residualReLU(y, downsample.map { try $0(x) } ?? x)
    }
}

/// 1x1 reduce, 3x3 (strided), 1x1 expand by 4 (ResNet-50/101). ResNeXt's variant widens the 3x3 to
/// `planes * baseWidth / 64 * groups` channels in `groups` groups (torchvision's and mmdet's formula).
final class Bottleneck: Module, UnaryLayer {
    static let expansion = 4
    let conv1: Conv2d
    let bn1: any UnaryLayer
    let conv2: Conv2d
    let bn2: any UnaryLayer
    let conv3: Conv2d
    let bn3: any UnaryLayer
    let downsample: Sequential?

    init(inChannels: Int, planes: Int, stride: Int, norm: NormKind, groups: Int = 1, baseWidth: Int = 64) throws {
        let width = planes * baseWidth / 64 * groups
        conv1 = try Conv2d(inChannels, width, kernelSize: 1, bias: false)
        bn1 = try makeNorm(norm, channels: width)
        conv2 = try Conv2d(width, width, kernelSize: 3, stride: stride, padding: 1, groups: groups, bias: false)
        bn2 = try makeNorm(norm, channels: width)
        conv3 = try Conv2d(width, planes * 4, kernelSize: 1, bias: false)
        bn3 = try makeNorm(norm, channels: planes * 4)
        downsample = try makeDownsample(inChannels, planes * 4, stride: stride, norm: norm)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = try bn1(conv1(x)).relu_()
        y = try bn2(conv2(y)).relu_()
        y = try bn3(conv3(y))
        return try residualReLU(y, downsample.map { try $0(x) } ?? x)
    }
}

/// relu(y + identity), in place in `y` (a fresh normalisation output that nothing else holds), as torchvision's
/// `out += identity; out = relu(out)`: two fewer full-size tensors per block. Out of place when the two differ in
/// dtype or shape (autocast), where adding in place would change the result's type.
private func residualReLU(_ y: Tensor, _ identity: Tensor) throws -> Tensor {
    guard y.dtype == identity.dtype, y.shape == identity.shape else { return try (y + identity).relu_() }
    try y.add_(identity)
    return try y.relu_()
}

private func makeDownsample(_ inChannels: Int, _ outChannels: Int, stride: Int, norm: NormKind) throws -> Sequential? {
    guard stride != 1 || inChannels != outChannels else { return nil }
    return Sequential([
        try Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false),
        try makeNorm(norm, channels: outChannels),
    ])
}

public final class ResNet: Module {
    public let conv1: Conv2d
    public let bn1: any UnaryLayer
    public let layer1: Sequential
    public let layer2: Sequential
    public let layer3: Sequential
    public let layer4: Sequential
    /// Channels of C2..C5.
    public let outChannels: [Int]
    /// Modules kept in evaluation mode while training: frozen stages, and every BatchNorm under `norm_eval`.
    /// Held in a struct so that reflection does not list them as children a second time.
    private let alwaysEval: ModuleSet

    /// - Parameters:
    ///   - depth: 18, 34, 50 or 101.
    ///   - frozenStages: -1 trains everything; 0 freezes the stem; k freezes the stem and layer1...layerk.
    ///   - normEval: keep BatchNorm statistics frozen during training (mmdet `norm_eval`).
    ///   - groups, baseWidth: ResNeXt's cardinality and width per group (32 and 8 for ResNeXt-101 32x8d);
    ///     1 and 64 are ResNet. Bottleneck depths only.
    public init(
        depth: Int, norm: NormKind = .frozenBN, normEval: Bool = true, frozenStages: Int = 1, groups: Int = 1,
        baseWidth: Int = 64
    ) throws {
        let blocks: [Int]
        let bottleneck: Bool
        switch depth {
        case 18: (blocks, bottleneck) = ([2, 2, 2, 2], false)
        case 34: (blocks, bottleneck) = ([3, 4, 6, 3], false)
        case 50: (blocks, bottleneck) = ([3, 4, 6, 3], true)
        case 101: (blocks, bottleneck) = ([3, 4, 23, 3], true)
        default: throw TorchError("ResNet: depth \(depth) is not one of 18, 34, 50, 101")
        }
        guard bottleneck || (groups == 1 && baseWidth == 64) else {
            throw TorchError("ResNet: groups/base_width (ResNeXt) need depth 50 or 101, not \(depth)")
        }
        let expansion = bottleneck ? Bottleneck.expansion : BasicBlock.expansion
        conv1 = try Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = try makeNorm(norm, channels: 64)
        var layers: [Sequential] = []
        var inChannels = 64
        for (stage, count) in blocks.enumerated() {
            let planes = 64 << stage
            var stageBlocks: [any UnaryLayer] = []
            for i in 0..<count {
                let stride = (i == 0 && stage > 0) ? 2 : 1
                stageBlocks.append(
                    bottleneck
                        ? try Bottleneck(
                            inChannels: inChannels, planes: planes, stride: stride, norm: norm, groups: groups,
                            baseWidth: baseWidth)
                        : try BasicBlock(inChannels: inChannels, planes: planes, stride: stride, norm: norm))
                inChannels = planes * expansion
            }
            layers.append(Sequential(stageBlocks))
        }
        (layer1, layer2, layer3, layer4) = (layers[0], layers[1], layers[2], layers[3])
        outChannels = (0..<4).map { (64 << $0) * expansion }

        var frozen: [Module] = []
        if frozenStages >= 0 { frozen += [conv1, bn1] }
        if frozenStages >= 1 { frozen += layers.prefix(frozenStages).map { $0 as Module } }
        var evalModules = frozen
        if norm == .batchNorm && normEval {
            evalModules += [bn1] + layers.flatMap { $0.namedModules().map(\.1).filter { $0 is BatchNorm2d } }
        }
        alwaysEval = ModuleSet(modules: evalModules)
        super.init()

        // torchvision's initialisation: Kaiming normal (fan-out) convolutions, unit norm scale, zero shift.
        for (_, m) in namedModules() {
            if let conv = m as? Conv2d { try Init.kaimingNormal(conv.weight, fanOutMode: true) }
        }
        for m in frozen { try m.freeze() }
    }

    /// C2, C3, C4, C5.
    public func callAsFunction(_ images: Tensor) throws -> [Tensor] {
        if isTraining {
            for m in alwaysEval.modules where m.isTraining { m.eval() }
        }
        var x = try bn1(conv1(images)).relu_()
        x = try Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let c2 = try layer1(x)
        let c3 = try layer2(c2)
        let c4 = try layer3(c3)
        let c5 = try layer4(c4)
        return [c2, c3, c4, c5]
    }

    /// Loads ImageNet weights from a torchvision or mmdet state dict: the classifier (`fc.*`) and BatchNorm
    /// batch counters that frozen BN has no use for are skipped; a `backbone.` prefix is accepted.
    /// Throws when a backbone tensor is missing or has another shape.
    public func loadPretrained(_ state: [String: Tensor]) throws {
        var own: [String: Tensor] = [:]
        for (name, tensor) in state {
            let key = name.hasPrefix("backbone.") ? String(name.dropFirst("backbone.".count)) : name
            if key.hasPrefix("fc.") { continue }
            own[key] = tensor
        }
        let mismatch = try load(stateDict: own, strict: false)
        let unexpected = mismatch.unexpected.filter { !$0.hasSuffix("num_batches_tracked") }
        guard mismatch.missing.isEmpty && unexpected.isEmpty else {
            throw TorchError(
                "ResNet pretrained weights do not match: missing \(mismatch.missing), unexpected \(unexpected)")
        }
    }
}

/// Modules referenced, not owned: invisible to state-dict reflection.
struct ModuleSet {
    let modules: [Module]
}
