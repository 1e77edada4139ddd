import Foundation

/// A file written by `torch.save`, read without Python or libtorch's pickle reader: the zip format (PyTorch
/// >= 1.6: `<archive>/data.pkl` plus one record per storage) or the legacy format (magic number, protocol,
/// system info, the pickle, the storage keys, then each storage as a count and its bytes). The pickle is read
/// by `Unpickler`, which refuses any global outside its allow-list. Tensors are copied out of the (mapped)
/// file on request, so errors can name the key they belong to.
public struct PyTorchFile {
    public let url: URL
    /// The object that was saved: a state dict, or a checkpoint dict holding one.
    public let root: PickleValue
    private let data: Data
    /// Byte range of each storage record by key.
    private let records: [String: Range<Int>]

    /// The bytes a legacy file starts with: PROTO 2, then LONG1 of the 10-byte magic 0x1950a86a20f9469cfc6c, STOP.
    private static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    public init(contentsOf url: URL) throws {
        self.url = url
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw TorchError("\(url.path): cannot read (\(error.localizedDescription))")
        }
        do {
            (root, records) = try data.withUnsafeBytes { bytes in
                if StoredZip.isZip(bytes) { return try Self.readZip(bytes) }
                if bytes.starts(with: Self.legacyMagic) { return try Self.readLegacy(bytes) }
                throw Unpickler.Failure("not a torch.save file (neither the zip nor the legacy format)")
            }
        } catch let failure as Unpickler.Failure {
            throw TorchError("\(url.path): \(failure.message)")
        } catch let failure as StoredZip.Failure {
            throw TorchError("\(url.path): \(failure.message)")
        }
    }

    private static func readZip(_ bytes: UnsafeRawBufferPointer) throws -> (PickleValue, [String: Range<Int>]) {
        let entries = try StoredZip.entries(bytes)
        // The archive folder is named after the file that was saved; find it through its data.pkl.
        guard let pickleName = entries.keys.filter({ $0.hasSuffix("data.pkl") }).min(by: { $0.count < $1.count }),
            let pickleRange = entries[pickleName]
        else { throw Unpickler.Failure("zip file without data.pkl (not written by torch.save)") }
        let prefix = String(pickleName.dropLast("data.pkl".count)) + "data/"
        var records: [String: Range<Int>] = [:]
        for (name, range) in entries where name.hasPrefix(prefix) { records[String(name.dropFirst(prefix.count))] = range }
        let pickleBytes = UnsafeRawBufferPointer(rebasing: bytes[pickleRange])
        // ('storage', storage type, key, location, element count)
        var unpickler = Unpickler(bytes: pickleBytes) { pid in
            guard case .tuple(let t) = pid, t.count == 5, case .string("storage") = t[0], case .global(let type) = t[1],
                let dtype = Unpickler.storageTypes[type], case .string(let key) = t[2], case .int(let count) = t[4]
            else { throw Unpickler.Failure("unsupported persistent id \(pid.kind)") }
            return .storage(PickledStorage(key: key, dtype: dtype, count: count))
        }
        return (try unpickler.load(), records)
    }

    private static func readLegacy(_ bytes: UnsafeRawBufferPointer) throws -> (PickleValue, [String: Range<Int>]) {
        let noPersistentIDs: (PickleValue) throws -> PickleValue = { _ in throw Unpickler.Failure("unexpected persistent id") }
        var header = Unpickler(bytes: bytes, position: legacyMagic.count, persistentLoad: noPersistentIDs)
        _ = try header.load()  // protocol version
        _ = try header.load()  // system info (little-endian on every platform PyTorch writes from)
        // ('storage', storage type, root key, location, element count, view metadata (key, offset, count) or None)
        var main = Unpickler(bytes: bytes, position: header.position) { pid in
            guard case .tuple(let t) = pid, t.count == 6, case .string(let typename) = t[0] else {
                throw Unpickler.Failure("unsupported persistent id \(pid.kind)")
            }
            guard typename == "storage" else {
                throw Unpickler.Failure("holds a pickled '\(typename)' (a whole module?), not a state dict")
            }
            guard case .global(let type) = t[1], let dtype = Unpickler.storageTypes[type], case .string(let key) = t[2],
                case .int(let count) = t[4]
            else { throw Unpickler.Failure("malformed storage reference") }
            if case .tuple(let view) = t[5], view.count == 3, case .int(let offset) = view[1], case .int(let viewCount) = view[2] {
                return .storage(PickledStorage(key: key, dtype: dtype, count: viewCount, offset: offset))
            }
            return .storage(PickledStorage(key: key, dtype: dtype, count: count))
        }
        let root = try main.load()
        var keysReader = Unpickler(bytes: bytes, position: main.position, persistentLoad: noPersistentIDs)
        guard case .list(let keys) = try keysReader.load() else { throw Unpickler.Failure("no storage key list") }
        // Each storage: its element count (int64), then its bytes. The element size comes from the storage's
        // type, which the pickle gave; collect it from the tensors that use each key.
        var elementSizes: [String: Int] = [:]
        collectElementSizes(root, into: &elementSizes)
        var position = keysReader.position
        var records: [String: Range<Int>] = [:]
        for item in keys.items {
            guard case .string(let key) = item else { throw Unpickler.Failure("storage key is \(item.kind)") }
            guard position + 8 <= bytes.count else { throw Unpickler.Failure("truncated storage '\(key)'") }
            guard let elementSize = elementSizes[key] else {
                throw Unpickler.Failure("storage '\(key)' is listed but no tensor of the pickle uses it")
            }
            let count = Int(bytes.loadUnaligned(fromByteOffset: position, as: Int64.self).littleEndian)
            let size = count * elementSize
            guard count >= 0, position + 8 + size <= bytes.count else { throw Unpickler.Failure("truncated storage '\(key)'") }
            records[key] = (position + 8)..<(position + 8 + size)
            position += 8 + size
        }
        return (root, records)
    }

    private static func collectElementSizes(_ value: PickleValue, into sizes: inout [String: Int]) {
        switch value {
        case .tensor(let t): sizes[t.storage.key] = t.storage.dtype.byteSize
        case .storage(let s): sizes[s.key] = s.dtype.byteSize
        case .list(let l): for item in l.items { collectElementSizes(item, into: &sizes) }
        case .tuple(let items): for item in items { collectElementSizes(item, into: &sizes) }
        case .dict(let d): for (_, v) in d.entries { collectElementSizes(v, into: &sizes) }
        default: break
        }
    }

    /// The tensor `t` of this file as a contiguous CPU tensor; `name` is for errors.
    public func tensor(_ t: PickledTensor, name: String) throws -> Tensor {
        let es = t.storage.dtype.byteSize
        guard let record = records[t.storage.key] else {
            throw TorchError("\(url.path): '\(name)': storage '\(t.storage.key)' is not in the file")
        }
        let numel = t.shape.reduce(1, *)
        let available = record.count / es - t.storage.offset
        let last = t.offset + zip(t.shape, t.stride).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        guard numel == 0 || (t.offset >= 0 && t.stride.allSatisfy { $0 >= 0 } && last < min(available, t.storage.count)) else {
            throw TorchError(
                "\(url.path): '\(name)': shape \(t.shape), stride \(t.stride), offset \(t.offset) reach past its storage "
                    + "of \(min(available, t.storage.count)) elements")
        }
        let base = record.lowerBound + (t.storage.offset + t.offset) * es
        return try data.withUnsafeBytes { bytes in
            if numel <= 1 || t.stride == PickledTensor.contiguousStrides(t.shape) {
                return try Tensor.fromBytes(
                    UnsafeRawBufferPointer(rebasing: bytes[base..<(base + numel * es)]), shape: t.shape, dtype: t.storage.dtype)
            }
            // A view with its own strides (a slice, a transpose): gather its elements in row-major order.
            var out = [UInt8](repeating: 0, count: numel * es)
            var index = [Int](repeating: 0, count: t.shape.count)
            for k in 0..<numel {
                let source = base + zip(index, t.stride).reduce(0) { $0 + $1.0 * $1.1 } * es
                for b in 0..<es { out[k * es + b] = bytes[source + b] }
                var d = t.shape.count - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < t.shape[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
            return try out.withUnsafeBytes { try Tensor.fromBytes($0, shape: t.shape, dtype: t.storage.dtype) }
        }
    }

    /// The state dict of the file: the saved dict itself, or the one a checkpoint wraps under `state_dict`
    /// (mmdet/mmcv) or `model` (Detectron2, torchvision's references). A `module.` prefix that
    /// DistributedDataParallel adds to every name is removed, as mmcv's `load_checkpoint` does.
    public func stateDict() throws -> [String: Tensor] {
        var container = root
        for wrapper in ["state_dict", "model"] {
            if let inner = root[wrapper], case .dict = inner {
                container = inner
                break
            }
        }
        guard case .dict(let dict) = container else {
            throw TorchError("\(url.path): holds \(root.kind), not a state dict")
        }
        var result: [String: Tensor] = [:]
        for (key, value) in dict.entries {
            guard case .string(let name) = key else { throw TorchError("\(url.path): a state-dict key is \(key.kind)") }
            guard case .tensor(let t) = value else {
                throw TorchError("\(url.path): '\(name)' is \(value.kind), not a tensor")
            }
            result[name] = try tensor(t, name: name)
        }
        if !result.isEmpty && result.keys.allSatisfy({ $0.hasPrefix("module.") }) {
            result = Dictionary(uniqueKeysWithValues: result.map { (String($0.key.dropFirst("module.".count)), $0.value) })
        }
        return result
    }
}
