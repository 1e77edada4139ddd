import Foundation
import Testing

@testable import Torch
import TestSupport

/// A block shaped like torchvision's ResNet BasicBlock, to check that reflection yields PyTorch's names.
final class BlockLike: Module {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let conv2: Conv2d
    let bn2: BatchNorm2d
    let downsample: Sequential?

    init(_ cin: Int, _ cout: Int, stride: Int) throws {
        conv1 = try Conv2d(cin, cout, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = try BatchNorm2d(cout)
        conv2 = try Conv2d(cout, cout, kernelSize: 3, padding: 1, bias: false)
        bn2 = try BatchNorm2d(cout)
        downsample =
            stride == 1 && cin == cout
            ? nil : Sequential([try Conv2d(cin, cout, kernelSize: 1, stride: stride, bias: false), try BatchNorm2d(cout)])
    }
}

final class StemAndLayer: Module {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let layer2: [BlockLike]

    init(stemWidth: Int = 64) throws {
        conv1 = try Conv2d(3, stemWidth, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = try BatchNorm2d(stemWidth)
        layer2 = [try BlockLike(stemWidth, 128, stride: 2), try BlockLike(128, 128, stride: 1)]
    }
}

@Suite struct ModuleTests {
    @Test func namesAndShapesFollowTorchvision() throws {
        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Fixtures.url("resnet18_state_dict_names.json"))) as! [String: [Int]]
        let model = try StemAndLayer()
        let ours = model.namedState().map { ($0.0, $0.1.tensor.shape) }
        let relevant = reference.filter { $0.key.hasPrefix("conv1.") || $0.key.hasPrefix("bn1.") || $0.key.hasPrefix("layer2.") }
        #expect(Set(ours.map(\.0)) == Set(relevant.keys))
        for (name, shape) in ours { #expect(relevant[name] == shape, "\(name)") }
        #expect(model.namedParameters().count == ours.count - 3 * 6)  // 6 BNs, 3 buffers each
    }

    @Test func trainEvalAndFreezeReachEveryDescendant() throws {
        let model = try StemAndLayer()
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.1.isTraining })
        model.train()
        #expect(model.layer2[1].bn2.isTraining)
        try model.layer2[0].freeze()
        #expect(model.trainableParameters().count == model.parameters().count - model.layer2[0].parameters().count)
    }

    @Test func stateDictRoundTripsThroughSafetensorsAndRejectsMismatches() throws {
        let a = try StemAndLayer()
        let b = try StemAndLayer()
        let url = try temporaryDirectory().appendingPathComponent("m.safetensors")
        try a.save(to: url)
        try b.load(stateDict: try Safetensors.load(from: url).tensors)
        for (name, t) in a.stateDict() { #expect(try t.eq(b.stateDict()[name]!).all().item() == 1, "\(name)") }
        #expect(b.conv1.weight.requiresGrad)

        var broken = a.stateDict()
        broken["layer2.0.conv1.weight"] = try Tensor.zeros([1])
        #expect(throws: TorchError.self) { try b.load(stateDict: broken) }
        broken.removeValue(forKey: "layer2.0.conv1.weight")
        broken["extra"] = try Tensor.zeros([1])
        let mismatch = try b.load(stateDict: broken, strict: false)
        #expect(mismatch.missing == ["layer2.0.conv1.weight"] && mismatch.unexpected == ["extra"])
    }

    @Test func frozenBatchNormEqualsEvalBatchNorm() throws {
        let bn = try BatchNorm2d(4)
        let frozen = try FrozenBatchNorm2d(4)
        for t in [bn.weight, bn.bias, bn.runningMean] { try withNoGrad { try t.copy_(try Tensor.randn([4])) } }
        try withNoGrad { try bn.runningVar.copy_(try Tensor.rand([4]) + 0.5) }
        try frozen.load(stateDict: bn.stateDict().filter { $0.key != "num_batches_tracked" })
        bn.eval()
        let x = try Tensor.randn([2, 4, 3, 3])
        let diff = try (bn(x) - frozen(x)).abs().max().item()
        #expect(diff < 1e-5)
    }

    @Test func batchNormTracksRunningStatisticsInTraining() throws {
        let bn = try BatchNorm2d(3)
        let x = try Tensor.randn([4, 3, 5, 5]) * 2.0 + 1.0
        _ = try bn(x)
        let expectedMean = try x.mean([0, 2, 3]) * 0.1
        #expect(try (bn.runningMean - expectedMean).abs().max().item() < 1e-5)
        #expect(try bn.numBatchesTracked.itemInt() == 1)
    }
}
