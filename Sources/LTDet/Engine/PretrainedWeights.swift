import Foundation
import Torch

/// Where `pretrained:` points. A path is taken as it is; `torchvision://NAME` (mmdet's spelling) is the file that
/// torchvision downloads NAME's ImageNet weights to: `NAME-<hash>.pth` in torch hub's cache,
/// `$TORCH_HOME/hub/checkpoints` (TORCH_HOME defaults to `$XDG_CACHE_HOME/torch`, else `~/.cache/torch`).
/// LTDet never downloads: on a machine with internet, `torchvision.models.resnet50(weights="IMAGENET1K_V1")`
/// fills that folder; elsewhere copy the file there.
public enum PretrainedWeights {
    public static let scheme = "torchvision://"

    /// The torchvision models whose names are accepted: the ResNet and ResNeXt backbones LTDet builds
    /// (ResNeXt-101 32x8d is `depth: 101, groups: 32, base_width: 8`).
    public static let torchvisionModels = ["resnet18", "resnet34", "resnet50", "resnet101", "resnext101_32x8d"]

    /// torch hub's checkpoint folder, as `torch.hub.get_dir()` computes it.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let torchHome: URL
        if let home = environment["TORCH_HOME"] {
            torchHome = URL(fileURLWithPath: home)
        } else if let cache = environment["XDG_CACHE_HOME"] {
            torchHome = URL(fileURLWithPath: cache).appendingPathComponent("torch")
        } else {
            torchHome = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/torch")
        }
        return torchHome.appendingPathComponent("hub/checkpoints")
    }

    /// The file `pretrained` names. Throws, naming the folder searched, when a torchvision file is absent or
    /// ambiguous (two downloads of different weight versions: give the path instead).
    public static func resolve(_ pretrained: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> URL
    {
        guard pretrained.hasPrefix(scheme) else { return URL(fileURLWithPath: pretrained) }
        let name = String(pretrained.dropFirst(scheme.count))
        guard torchvisionModels.contains(name) else {
            throw TorchError(
                "pretrained: '\(pretrained)': LTDet builds \(torchvisionModels.map { scheme + $0 }.joined(separator: ", "))")
        }
        let directory = cacheDirectory(environment: environment)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let matches = files.filter { $0 == name + ".pth" || ($0.hasPrefix(name + "-") && $0.hasSuffix(".pth")) }.sorted()
        switch matches.count {
        case 1: return directory.appendingPathComponent(matches[0])
        case 0:
            throw TorchError(
                "pretrained: '\(pretrained)': no \(name)-*.pth in \(directory.path) (torchvision's download folder; "
                    + "set TORCH_HOME or give a path)")
        default:
            throw TorchError(
                "pretrained: '\(pretrained)': several files in \(directory.path) (\(matches.joined(separator: ", "))); "
                    + "give the path of the one to use")
        }
    }
}
