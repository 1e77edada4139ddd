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

    /// Reads a checkpoint from its `.safetensors` path (the trainer state from the sibling `.json`, if any).
    public static func read(_ url: URL) throws -> Checkpoint {
        let (tensors, metadata) = try Safetensors.load(from: url)
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
            if let problem = state.problem {
                throw TorchError("\(jsonURL.path): invalid trainer state: \(problem)")
            }
            // The weights carry the iteration they were written at; a sidecar that disagrees belongs to another
            // checkpoint (copied or edited by hand), and resuming from it would repeat or skip iterations.
            if let written = metadata["iteration"], written != "\(state.iteration)" {
                throw TorchError(
                    "\(jsonURL.path): 'iteration' is \(state.iteration) but \(url.lastPathComponent) was written at iteration \(written)")
            }
        }
        return Checkpoint(model: model, optimizer: optimizer, method: method, state: state)
    }

    /// The newest checkpoint of a work directory that reads back whole, with the checkpoint itself. A newer one
    /// that does not (truncated by a full disk, edited) is skipped, and `report` says which and why, so that a
    /// run continues from the previous complete one instead of stopping.
    public static func newestReadable(in directory: URL, report: (String) -> Void) -> (url: URL, checkpoint: Checkpoint)? {
        for url in complete(in: directory) {
            do {
                return (url, try read(url))
            } catch {
                report("skipping checkpoint \(url.path): \(error)")
            }
        }
        return nil
    }

    /// Deletes the partial files a killed checkpoint write leaves (`AtomicFile`'s `.NAME.tmp-*`), reporting each.
    public static func removeStaleTemporaries(in directory: URL, report: (String) -> Void) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for f in files where f.hasPrefix(".iter_") && f.contains(".tmp-") {
            let url = directory.appendingPathComponent(f)
            if (try? FileManager.default.removeItem(at: url)) != nil {
                report("removed \(url.path), the partial file of an interrupted checkpoint write")
            }
        }
    }

    /// The newest complete checkpoint in a work directory (by iteration), if any.
    public static func latest(in directory: URL) -> URL? { complete(in: directory).first }

    /// The checkpoints of a work directory whose JSON and weights both exist, newest first.
    static func complete(in directory: URL) -> [URL] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var found: [(Int, URL)] = []
        for f in files where f.hasPrefix("iter_") && f.hasSuffix(".json") {
            let name = String(f.dropLast(5))
            guard let it = Int(name.dropFirst(5)) else { continue }
            let weights = directory.appendingPathComponent(name + ".safetensors")
            guard FileManager.default.fileExists(atPath: weights.path) else { continue }
            found.append((it, weights))
        }
        return found.sorted { $0.0 > $1.0 }.map(\.1)
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
