import Foundation
import Testing

@testable import Torch

/// Autocast on the CPU (bfloat16, Debian's libtorch 1.13) and the loss scaler's behaviour; the scaler's
/// arithmetic against torch's GradScaler logic is scripts/reference/check_loss_scaler.sh.
@Suite struct MixedPrecisionTests {
    @Test func autocastRunsLayersInBFloat16AndLossesInFloat32() throws {
        let g = try Generator(seed: 1)
        let conv = try Runtime.withSeededDefaultGenerator(1) { try Conv2d(3, 4, kernelSize: 3, padding: 1) }
        let linear = try Linear(4, 2, generator: g)
        let x = try Tensor.randn([2, 3, 5, 5], generator: g)
        #expect(try !Autocast.isEnabled(for: .cpu))
        let (features, logits, loss, insideDisabled) = try Autocast.enabled(for: .cpu) {
            () throws -> (Tensor, Tensor, Tensor, Bool) in
            let features = try conv(x)
            let logits = try linear(features.mean([2, 3]))
            let (loss, off) = try Autocast.disabled { () throws -> (Tensor, Bool) in
                (try logits.fullPrecision().square().mean(), try !Autocast.isEnabled(for: .cpu))
            }
            return (features, logits, loss, off)
        }
        #expect(features.dtype == .bfloat16 && logits.dtype == .bfloat16)
        #expect(loss.dtype == .float32 && insideDisabled)
        // Outside the region: float32 again, the thread's state restored.
        #expect(try conv(x).dtype == .float32)
        #expect(try !Autocast.isEnabled(for: .cpu))
        // The gradient reaches the float32 weights through the bfloat16 ops.
        try loss.backward()
        #expect(conv.weight.grad?.dtype == .float32)
    }

    /// libtorch keeps autocast per thread: a region on this thread leaves another thread in float32.
    @Test func autocastIsPerThread() throws {
        final class Seen: @unchecked Sendable { var enabled = true }
        let seen = Seen()
        try Autocast.enabled(for: .cpu) {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                seen.enabled = (try? Autocast.isEnabled(for: .cpu)) ?? true
                done.signal()
            }
            thread.start()
            done.wait()
        }
        #expect(!seen.enabled)
    }

    /// CUDA autocast normalises in float32; CPU autocast of libtorch 1.13 would fail on bfloat16 input with
    /// float32 weights, so the layers cast up themselves.
    @Test func normalizationLayersTakeReducedInputUnderAutocast() throws {
        let g = try Generator(seed: 3)
        let linear = try Linear(6, 8, generator: g)
        let layerNorm = try LayerNorm([8])
        let groupNorm = try GroupNorm(groups: 2, channels: 8)
        let x = try Tensor.randn([4, 6], generator: g)
        let (reduced, a, b) = try Autocast.enabled(for: .cpu) { () throws -> (Tensor, Tensor, Tensor) in
            let h = try linear(x)
            return (h, try layerNorm(h), try groupNorm(h.reshape(4, 8, 1, 1)))
        }
        // The same as normalising the bfloat16 values in float32 outside autocast.
        let h = try reduced.to(.float32)
        #expect(reduced.dtype == .bfloat16 && a.dtype == .float32 && b.dtype == .float32)
        #expect(try a.eq(layerNorm(h)).all().item() == 1)
        #expect(try b.eq(groupNorm(h.reshape(4, 8, 1, 1))).all().item() == 1)
    }

    @Test func roiAlignComputesInFloat32UnderAutocast() throws {
        let g = try Generator(seed: 2)
        let features = try Tensor.randn([1, 2, 8, 8], generator: g).to(.bfloat16)
        let rois = try Tensor([Float(0), 1, 1, 6, 5, 0, 0, 2, 7, 7], shape: [2, 5])
        let pooled = try Autocast.enabled(for: .cpu) {
            try DetectionOps.roiAlign(features, rois: rois, spatialScale: 1, outputSize: (3, 3))
        }
        // torchvision's autocast rule: computed on the input cast up, returned in the input's type.
        let expected = try DetectionOps.roiAlign(features.to(.float32), rois: rois, spatialScale: 1, outputSize: (3, 3))
        #expect(pooled.dtype == .bfloat16)
        #expect(try pooled.to(.float32).eq(expected.to(.bfloat16).to(.float32)).all().item() == 1)
    }

    func model(_ seed: UInt64) throws -> (Linear, SGD) {
        let layer = try Linear(3, 2, generator: try Generator(seed: seed))
        return (layer, SGD(layer.parameters(), lr: 0.1))
    }

    /// Backward of the scaled loss of one step; `inf` puts an inf into one gradient element.
    func backward(_ layer: Linear, _ scaler: GradScaler, inf: Bool = false) throws {
        let x = try Tensor.randn([4, 3], generator: try Generator(seed: 9))
        try scaler.scale(try layer(x).square().mean()).backward()
        if inf { try withNoGrad { try layer.weight.grad!.reshape(-1).narrow(dim: 0, start: 1, length: 1).fill_(.infinity) } }
    }

    @Test func injectedInfSkipsTheStepAndBacksOff() throws {
        let (layer, optimizer) = try model(1)
        let scaler = try GradScaler(initScale: 256, growthFactor: 2, backoffFactor: 0.25, growthInterval: 3)
        let before = try layer.parameters().map { try $0.wrappedValue.toArray(Float.self) }
        try backward(layer, scaler, inf: true)
        try scaler.unscale(optimizer)
        #expect(try !scaler.step(optimizer))
        try scaler.update()
        #expect(try layer.parameters().map { try $0.wrappedValue.toArray(Float.self) } == before)
        #expect(try scaler.scale == 256 * scaler.backoffFactor)
        #expect(try scaler.cleanSteps == 0)
        // A NaN does the same.
        try optimizer.zeroGrad()
        try backward(layer, scaler)
        try withNoGrad { try layer.bias!.wrappedValue.grad!.fill_(.nan) }
        #expect(try !scaler.step(optimizer))
        try scaler.update()
        #expect(try scaler.scale == 256 * scaler.backoffFactor * scaler.backoffFactor)
    }

    @Test func scaleGrowsAfterGrowthIntervalCleanSteps() throws {
        let (layer, optimizer) = try model(2)
        let scaler = try GradScaler(initScale: 8, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3)
        var scales: [Double] = []
        for _ in 0..<7 {
            try optimizer.zeroGrad()
            try backward(layer, scaler)
            #expect(try scaler.step(optimizer))
            try scaler.update()
            scales.append(try scaler.scale)
        }
        // Every third clean step multiplies by growthFactor; the count restarts after each growth.
        let grown = (1...7).map { 8 * pow(scaler.growthFactor, Double($0 / scaler.growthInterval)) }
        #expect(scales == grown)
        #expect(try scaler.cleanSteps == 7 % scaler.growthInterval)
    }

    @Test func unscaledGradientsAreTheUnscaledLossGradients() throws {
        let (scaledLayer, scaledOptimizer) = try model(3)
        let (plainLayer, _) = try model(3)
        let scaler = try GradScaler(initScale: 1024)
        try backward(scaledLayer, scaler)
        try scaler.unscale(scaledOptimizer)
        let x = try Tensor.randn([4, 3], generator: try Generator(seed: 9))
        try plainLayer(x).square().mean().backward()
        // A power-of-two scale is exact in float32: scaling and unscaling give the plain gradient bit for bit.
        #expect(try scaledLayer.weight.grad!.toArray(Float.self) == plainLayer.weight.grad!.toArray(Float.self))
        #expect(throws: TorchError.self) { try scaler.unscale(scaledOptimizer) }
    }

    @Test func staticScaleNeverChangesButStillSkips() throws {
        let (layer, optimizer) = try model(4)
        let scaler = try GradScaler(staticScale: 512)
        for inf in [false, true, false, false, true] {
            try optimizer.zeroGrad()
            try backward(layer, scaler, inf: inf)
            #expect(try scaler.step(optimizer) == !inf)
            try scaler.update()
            #expect(try scaler.scale == 512)
        }
    }

    @Test func stateRoundTripsAndBadStateIsNamed() throws {
        let (layer, optimizer) = try model(5)
        let scaler = try GradScaler(initScale: 64, growthInterval: 5)
        for inf in [false, true, false, false] {
            try optimizer.zeroGrad()
            try backward(layer, scaler, inf: inf)
            try scaler.step(optimizer)
            try scaler.update()
        }
        let restored = try GradScaler(initScale: 64, growthInterval: 5)
        try restored.loadStateDict(try scaler.stateDict())
        #expect(try restored.scale == scaler.scale && restored.cleanSteps == scaler.cleanSteps)
        let bad: [[String: Tensor]] = [
            ["scale": try Tensor([Float(-1)]), "growth_tracker": try Tensor([Int32(0)])],
            ["scale": try Tensor([Float.infinity]), "growth_tracker": try Tensor([Int32(0)])],
            ["scale": try Tensor([Float(2)]), "growth_tracker": try Tensor([Int32(-3)])],
            ["scale": try Tensor([Double(2)]), "growth_tracker": try Tensor([Int32(0)])],
            ["scale": try Tensor([Float(2)])],
            ["scale": try Tensor([Float(2)]), "growth_tracker": try Tensor([Int32(0)]), "extra": try Tensor([Float(1)])],
        ]
        for state in bad {
            #expect(throws: TorchError.self) { try restored.loadStateDict(state) }
        }
        #expect(throws: TorchError.self) { try GradScaler(initScale: -2) }
        #expect(throws: TorchError.self) { try GradScaler(growthFactor: 1) }
        #expect(throws: TorchError.self) { try GradScaler(backoffFactor: 1) }
        #expect(throws: TorchError.self) { try GradScaler(growthInterval: 0) }
        #expect(throws: TorchError.self) { try GradScaler(staticScale: 0) }
    }
}
