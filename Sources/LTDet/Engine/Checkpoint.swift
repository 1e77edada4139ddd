import AtomicFileIO
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Torch

/// A checkpoint: `NAME.safetensors` (model weights under `model.`, optimiser state under `optimizer.`, method
/// state under `method.`, a mixed-precision run's loss-scaler state under `loss_scaler.`) and `NAME.json` (the
/// trainer state). Both are written to temporary names and renamed; the JSON goes last, so a checkpoint whose JSON
/// exists is complete. The classes the model was trained on, when known, go into the `.safetensors` metadata
/// (`CheckpointClasses`).
public struct Checkpoint {
    public var model: [String: Tensor]
    public var optimizer: [String: Tensor]
    public var method: [String: Tensor]
    public var state: TrainerState
    /// `GradScaler.stateDict()` of a mixed-precision run (empty for float32).
    public var lossScaler: [String: Tensor]
    public var classes: CheckpointClasses?

    public init(
        model: [String: Tensor], optimizer: [String: Tensor], method: [String: Tensor], state: TrainerState,
        lossScaler: [String: Tensor] = [:], classes: CheckpointClasses? = nil
    ) {
        self.model = model
        self.optimizer = optimizer
        self.method = method
        self.state = state
        self.lossScaler = lossScaler
        self.classes = classes
    }

    public func write(directory: URL, name: String) throws -> URL {
        var tensors: [String: Tensor] = [:]
        for (k, v) in model { tensors["model." + k] = v }
        for (k, v) in optimizer { tensors["optimizer." + k] = v }
        for (k, v) in method { tensors["method." + k] = v }
        for (k, v) in lossScaler { tensors[Self.lossScalerPrefix + k] = v }
        let weights = directory.appendingPathComponent(name + ".safetensors")
        let metadata = ["format": "ltdet-checkpoint-1", "iteration": "\(state.iteration)"]
            .merging(classes?.metadata ?? [:]) { own, _ in own }
        try Safetensors.save(tensors, metadata: metadata, to: weights)
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
        let (tensors, metadata) = try Safetensors.load(from: url)
        var model: [String: Tensor] = [:]
        var optimizer: [String: Tensor] = [:]
        var method: [String: Tensor] = [:]
        var lossScaler: [String: Tensor] = [:]
        for (k, v) in tensors {
            if k.hasPrefix("model.") {
                model[String(k.dropFirst(6))] = v
            } else if k.hasPrefix("optimizer.") {
                optimizer[String(k.dropFirst(10))] = v
            } else if k.hasPrefix("method.") {
                method[String(k.dropFirst(7))] = v
            } else if k.hasPrefix(lossScalerPrefix) {
                lossScaler[String(k.dropFirst(lossScalerPrefix.count))] = v
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
        return Checkpoint(
            model: model, optimizer: optimizer, method: method, state: state, lossScaler: lossScaler,
            classes: try CheckpointClasses(metadata: metadata, file: url.path))
    }

    static let lossScalerPrefix = "loss_scaler."

    /// The newest checkpoint of a work directory that reads back whole, with the checkpoint itself. A newer one
    /// that does not (truncated by a full disk, edited) is skipped, and `report` says which and why, so that a
    /// run continues from the previous complete one instead of stopping.
    public static func newestReadable(in directory: URL, report: (String) -> Void) -> (url: URL, checkpoint: Checkpoint)? {
        for candidate in complete(in: directory).reversed() {
            let url = directory.appendingPathComponent(candidate.name + ".safetensors")
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
        for f in files where (f.hasPrefix(".iter_") || f.hasPrefix(".epoch_")) && f.contains(".tmp-") {
            let url = directory.appendingPathComponent(f)
            if (try? FileManager.default.removeItem(at: url)) != nil {
                report("removed \(url.path), the partial file of an interrupted checkpoint write")
            }
        }
    }

    /// The name a checkpoint of `state` gets, as mmcv names them: `epoch_N` when it is taken at the end of
    /// epoch N, `iter_N` (iterations completed) anywhere else.
    public static func name(for state: TrainerState) -> String {
        state.positionInEpoch == 0 && state.iteration > 0 ? "epoch_\(state.epoch - 1)" : "iter_\(state.iteration)"
    }

    /// The complete checkpoints (`epoch_N`/`iter_N` whose JSON exists) of a work directory with their iteration
    /// (read from the JSON: an epoch's name does not say it), oldest first.
    static func complete(in directory: URL) -> [(iteration: Int, name: String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var found: [(Int, String)] = []
        for f in files where f.hasSuffix(".json") && (f.hasPrefix("iter_") || f.hasPrefix("epoch_")) {
            let name = String(f.dropLast(5))
            guard Int(name.drop { $0 != "_" }.dropFirst()) != nil,
                FileManager.default.fileExists(atPath: directory.appendingPathComponent(name + ".safetensors").path),
                let data = try? Data(contentsOf: directory.appendingPathComponent(f)),
                let state = try? JSONDecoder().decode(TrainerState.self, from: data)
            else { continue }
            found.append((state.iteration, name))
        }
        // At equal iterations (an iteration checkpoint and an epoch checkpoint of the same step) the epoch's is newer.
        return found.sorted { ($0.0, $0.1.hasPrefix("epoch_") ? 1 : 0) < ($1.0, $1.1.hasPrefix("epoch_") ? 1 : 0) }
    }

    /// The newest complete checkpoint in a work directory (by iteration), if any.
    public static func latest(in directory: URL) -> URL? {
        complete(in: directory).last.map { directory.appendingPathComponent($0.name + ".safetensors") }
    }

    /// Points `latest.safetensors` and `latest.json` at checkpoint `name` (relative symbolic links, replaced
    /// atomically), the `latest.pth` that mmcv users look for.
    public static func pointLatest(directory: URL, to name: String) throws {
        for ext in ["safetensors", "json"] {
            let link = directory.appendingPathComponent("latest.\(ext)")
            let temporary = directory.appendingPathComponent(".latest.\(ext).\(UUID().uuidString)")
            try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: "\(name).\(ext)")
            guard rename(temporary.path, link.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw TorchError("\(link.path): cannot point it at \(name).\(ext) (errno \(errno))")
            }
        }
    }

    /// Deletes all but the newest `keep` complete checkpoints.
    public static func prune(directory: URL, keep: Int) {
        guard keep > 0 else { return }
        for old in complete(in: directory).dropLast(keep) {
            // The JSON goes first so that a half-deleted checkpoint is never taken as complete.
            for ext in ["json", "safetensors"] {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(old.name).\(ext)"))
            }
        }
    }
}
