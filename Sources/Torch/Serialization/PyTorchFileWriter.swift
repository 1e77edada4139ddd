import AtomicFileIO
import Foundation

/// Writes files that `torch.load` reads (the zip format of PyTorch >= 1.6): `archive/data.pkl`, one
/// `archive/data/<key>` record per tensor and `archive/version`. Build the object with `tensor(_:)` and
/// `stateDict(_:)`, then `write(_:to:)`.
public final class PyTorchFileWriter {
    private var storages: [(key: String, bytes: Data)] = []

    public init() {}

    /// A tensor to be saved (as a contiguous CPU copy with its own storage).
    public func tensor(_ tensor: Tensor) throws -> PickleValue {
        let t = try tensor.detach().to(.cpu).contiguous()
        guard PickleWriter.storageTypeNames[t.dtype] != nil else {
            throw TorchError("cannot write a \(t.dtype) tensor to a PyTorch file")
        }
        let key = String(storages.count)
        storages.append((key, try t.withUnsafeBytes { Data($0) }))
        let storage = PickledStorage(key: key, dtype: t.dtype, count: t.shape.reduce(1, *))
        return .tensor(PickledTensor(storage: storage, offset: 0, shape: t.shape, stride: PickledTensor.contiguousStrides(t.shape)))
    }

    /// A state dict as `Module.state_dict()` returns it: an `OrderedDict` of tensors, here in name order.
    public func stateDict(_ tensors: [String: Tensor]) throws -> PickleValue {
        let entries = try tensors.keys.sorted().map { (key: PickleValue.string($0), value: try tensor(tensors[$0]!)) }
        return .dict(PickleDict(entries, ordered: true))
    }

    /// Writes `root` through a temporary file and a rename.
    public func write(_ root: PickleValue, to url: URL) throws {
        var entries: [(name: String, data: Data)] = [("archive/data.pkl", try PickleWriter.pickle(root))]
        for (key, bytes) in storages { entries.append(("archive/data/\(key)", bytes)) }
        entries.append(("archive/version", Data("3\n".utf8)))
        do {
            try AtomicFile.write(try StoredZip.write(entries), to: url)
        } catch let failure as StoredZip.Failure {
            throw TorchError("\(url.path): \(failure.message)")
        }
    }
}
