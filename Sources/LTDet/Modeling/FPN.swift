import Torch

// Feature pyramid network (mmdet `FPN`, add_extra_convs off).
// Input: C2..C5 from the backbone. Output: P2..P6 with `outChannels` channels at strides 4..64;
// P6 is a stride-2 max-pool (kernel 1) of P5, as mmdet and torchvision's `LastLevelMaxPool`.
// Names follow mmdet: `lateral_convs.i.conv`, `fpn_convs.i.conv`.
public final class FPN: Module {
    public let lateralConvs: [ConvModule]
    public let fpnConvs: [ConvModule]
    public let outChannels: Int

    public init(inChannels: [Int], outChannels: Int) throws {
        lateralConvs = try inChannels.map { try ConvModule($0, outChannels, kernelSize: 1, activation: false) }
        fpnConvs = try inChannels.map { _ in
            try ConvModule(outChannels, outChannels, kernelSize: 3, padding: 1, activation: false)
        }
        self.outChannels = outChannels
        super.init()
        // mmdet initialises the FPN with Xavier-uniform weights and zero biases.
        for m in lateralConvs + fpnConvs {
            try Init.xavierUniform(m.conv.weight)
            if let b = m.conv.bias { try Init.constant(b.wrappedValue, 0) }
        }
    }

    /// P2..P6 from C2..C5.
    public func callAsFunction(_ features: [Tensor]) throws -> [Tensor] {
        var laterals = try zip(lateralConvs, features).map { try $0.0($0.1) }
        // Top-down: each coarser map is upsampled (nearest, to the exact size) and added to the finer one.
        for i in stride(from: laterals.count - 1, to: 0, by: -1) {
            let target = laterals[i - 1]
            let up = try Functional.interpolate(laterals[i], size: (target.size(2), target.size(3)), mode: .nearest)
            laterals[i - 1] = try target + up
        }
        var outs = try zip(fpnConvs, laterals).map { try $0.0($0.1) }
        outs.append(try Functional.maxPool2d(outs[outs.count - 1], kernel: (1, 1), stride: (2, 2)))
        return outs
    }
}
