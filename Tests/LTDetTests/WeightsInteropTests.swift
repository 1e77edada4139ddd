import Foundation
import Testing
import Torch

@testable import LTDet
import TestSupport

/// Weights in other tools' files: `pretrained: torchvision://NAME` resolution, and mmdet/torchvision exports
/// loading back through `load_from` and `pretrained`. (scripts/reference/check_weights.sh checks the same
/// files against real PyTorch, torchvision and mmdet's names.)
@Suite struct WeightsInteropTests {
    @Test func resolvesTorchvisionNamesInTorchHubsCache() throws {
        let home = try temporaryDirectory()
        let folder = home.appendingPathComponent("hub/checkpoints")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let environment = ["TORCH_HOME": home.path]
        func message(_ pretrained: String) -> String {
            do {
                _ = try PretrainedWeights.resolve(pretrained, environment: environment)
                return ""
            } catch { return "\(error)" }
        }
        #expect(message("torchvision://resnet50").contains(folder.path))
        try Data().write(to: folder.appendingPathComponent("resnet50-0676ba61.pth"))
        try Data().write(to: folder.appendingPathComponent("resnet101-63fe2227.pth"))
        #expect(try PretrainedWeights.resolve("torchvision://resnet50", environment: environment).lastPathComponent
            == "resnet50-0676ba61.pth")
        try Data().write(to: folder.appendingPathComponent("resnet50-11ad3fa6.pth"))
        #expect(message("torchvision://resnet50").contains("resnet50-11ad3fa6.pth"))
        #expect(message("torchvision://vgg16").contains("torchvision://resnext101_32x8d"))
        #expect(try PretrainedWeights.resolve("pretrained/r50.pth", environment: environment).path.hasSuffix("pretrained/r50.pth"))
        #expect(PretrainedWeights.cacheDirectory(environment: ["XDG_CACHE_HOME": "/c"]).path == "/c/torch/hub/checkpoints")
    }

    @Test func mmdetAndTorchvisionExportsLoadBackAsLoadFromAndPretrained() throws {
        let dir = try temporaryDirectory()
        var config = ExperimentConfig()
        config.model = .demo(numClasses: 3)
        config.seed = 1
        let source = try DetectionExperiment(config: config, workDirectory: dir).makeModel()
        let checkpoint = Checkpoint(
            model: source.stateDict(), optimizer: [:], method: [:], state: TrainerState(iteration: 8, epoch: 3))
        let mmdet = dir.appendingPathComponent("mmdet.pth")
        let torchvision = dir.appendingPathComponent("resnet18.pth")
        try CheckpointExport.write(checkpoint, format: .mmdet, to: mmdet)
        try CheckpointExport.write(checkpoint, format: .torchvision, to: torchvision)
        guard case .int(2)? = try PyTorchFile(contentsOf: mmdet).root["meta"]?["epoch"] else {
            Issue.record("meta.epoch is not the count of completed epochs")
            return
        }

        config.seed = 2
        config.loadFrom = mmdet.path
        let loaded = try DetectionExperiment(config: config, workDirectory: dir).makeModel()
        config.loadFrom = nil
        config.pretrained = torchvision.path
        let pretrained = try DetectionExperiment(config: config, workDirectory: dir).makeModel()

        let want = source.stateDict()
        for (name, tensor) in loaded.stateDict() {
            #expect(try tensor.eq(want[name]!).all().item() == 1, "load_from: \(name)")
        }
        for (name, tensor) in pretrained.backbone.stateDict() where !name.hasSuffix("num_batches_tracked") {
            #expect(try tensor.eq(want["backbone." + name]!).all().item() == 1, "pretrained: \(name)")
        }
        #expect(try pretrained.neck.stateDict().contains { try $0.value.ne(want["neck." + $0.key]!).any().item() == 1 })
    }
}
