import AtomicFileIO
import Foundation
import Torch

/// A checkpoint: `NAME.safetensors` (model weights under `model.`, optimiser state under `optimizer.`, method
/// state under `method.`) and `NAME.json` (the trainer state). Both are written to temporary names and
/// renamed; the JSON goes last, so a checkpoint whose JSON exists is complete.
public struct Checkpoint {
    public var model: [String: Tensor]
    public var optimizer: [String: Tensor]
    public var method: [String: Tensor]
    public var state: TrainerState

    public init(model: [String: Tensor], optimizer: [String: Tensor], method: [String: Tensor], state: TrainerState) {
        self.model = model
        self.optimizer = optimizer
        self.method = method
        self.state = state
    }

    public func write(directory: URL, name: String) throws -> URL {
        var tensors: [String: Tensor] = [:]
        for (k, v) in model { tensors["model." + k] = v }
        for (k, v) in optimizer { tensors["optimizer." + k] = v }
        for (k, v) in method { tensors["method." + k] = v }
        let weights = directory.appendingPathComponent(name + ".safetensors")
        try Safetensors.save(
            tensors, metadata: ["format": "ltdet-checkpoint-1", "iteration": "\(state.iteration)"], to: weights)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: directory.appendingPathComponent(name + ".json"))
        return weights
    }

    /// Reads a checkpoint from its `.safetensors` path (the trainer state from the sibling `.json`, if any), or
    /// the model weights of a PyTorch file (`.pth`/`.pt`: an mmdet checkpoint, whose names are LTDet's, or a
    /// bare state dict).
    public static func read(_ url: URL) throws -> Checkpoint {
        if ["pth", "pt"].contains(url.pathExtension) {
            return Checkpoint(model: try StateDict.loadPyTorch(from: url), optimizer: [:], method: [:], state: TrainerState())
        }
        let tensors = try Safetensors.load(from: url).tensors
        var model: [String: Tensor] = [:]
        var optimizer: [String: Tensor] = [:]
        var method: [String: Tensor] = [:]
        for (k, v) in tensors {
            if k.hasPrefix("model.") {
                model[String(k.dropFirst(6))] = v
            } else if k.hasPrefix("optimizer.") {
                optimizer[String(k.dropFirst(10))] = v
            } else if k.hasPrefix("method.") {
                method[String(k.dropFirst(7))] = v
            } else {
                // A bare weights file (e.g. exported from Python) is taken as model weights.
                model[k] = v
            }
        }
        let jsonURL = url.deletingPathExtension().appendingPathExtension("json")
        var state = TrainerState()
        if let data = try? Data(contentsOf: jsonURL) {
            do {
                state = try JSONDecoder().decode(TrainerState.self, from: data)
            } catch {
                throw TorchError("\(jsonURL.path): malformed trainer state (\(error))")
            }
        }
        return Checkpoint(model: model, optimizer: optimizer, method: method, state: state)
    }

    /// The newest complete checkpoint in a work directory (by iteration), if any.
    public static func latest(in directory: URL) -> URL? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var best: (Int, URL)?
        for f in files where f.hasPrefix("iter_") && f.hasSuffix(".json") {
            let name = String(f.dropLast(5))
            guard let it = Int(name.dropFirst(5)) else { continue }
            let weights = directory.appendingPathComponent(name + ".safetensors")
            guard FileManager.default.fileExists(atPath: weights.path) else { continue }
            if best == nil || it > best!.0 { best = (it, weights) }
        }
        return best?.1
    }

    /// Deletes all but the newest `keep` checkpoints named iter_N.
    public static func prune(directory: URL, keep: Int) {
        guard keep > 0 else { return }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let iterations = Set(files.compactMap { f -> Int? in
            guard f.hasPrefix("iter_"), f.hasSuffix(".json") else { return nil }
            return Int(f.dropFirst(5).dropLast(5))
        }).sorted(by: >)
        for it in iterations.dropFirst(keep) {
            // The JSON goes first so that a half-deleted checkpoint is never taken as complete.
            for ext in ["json", "safetensors"] {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("iter_\(it).\(ext)"))
            }
        }
    }
}
