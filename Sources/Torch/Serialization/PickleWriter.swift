import Foundation

/// Writes a `PickleValue` as protocol 2 (what `torch.save` writes by default), with tensors the way
/// `torch.save` pickles them: `torch._utils._rebuild_tensor_v2` of a persistent storage reference
/// `('storage', torch.<Type>Storage, key, 'cpu', count)`. Nothing is memoised: each value is written once.
struct PickleWriter {
    private(set) var bytes: [UInt8] = [0x80, 2]

    static let storageTypeNames: [DType: String] = Dictionary(
        uniqueKeysWithValues: Unpickler.storageTypes.map { ($0.value, String($0.key.dropFirst("torch.".count))) })

    static func pickle(_ value: PickleValue) throws -> Data {
        var writer = PickleWriter()
        try writer.write(value)
        writer.bytes.append(0x2E)  // STOP
        return Data(writer.bytes)
    }

    private mutating func write(_ value: PickleValue) throws {
        switch value {
        case .none: bytes.append(0x4E)
        case .bool(let b): bytes.append(b ? 0x88 : 0x89)
        case .int(let v): writeInt(v)
        case .float(let v):
            bytes.append(0x47)
            bytes += withUnsafeBytes(of: v.bitPattern.bigEndian, Array.init)
        case .string(let s):
            let utf8 = Array(s.utf8)
            bytes.append(0x58)
            bytes += withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init)
            bytes += utf8
        case .bytes(let b):
            bytes.append(0x42)
            bytes += withUnsafeBytes(of: UInt32(b.count).littleEndian, Array.init)
            bytes += b
        case .list(let l):
            bytes.append(0x5D)
            if !l.items.isEmpty {
                bytes.append(0x28)
                for item in l.items { try write(item) }
                bytes.append(0x65)  // APPENDS
            }
        case .tuple(let items):
            bytes.append(0x28)
            for item in items { try write(item) }
            bytes.append(0x74)
        case .dict(let d):
            if d.ordered {
                writeGlobal("collections", "OrderedDict")
                bytes += [0x29, 0x52]  // () REDUCE
            } else {
                bytes.append(0x7D)
            }
            if !d.entries.isEmpty {
                bytes.append(0x28)
                for (k, v) in d.entries {
                    try write(k)
                    try write(v)
                }
                bytes.append(0x75)  // SETITEMS
            }
        case .tensor(let t):
            writeGlobal("torch._utils", "_rebuild_tensor_v2")
            bytes.append(0x28)
            try write(.storage(t.storage))
            writeInt(t.offset)
            try write(.tuple(t.shape.map { .int($0) }))
            try write(.tuple(t.stride.map { .int($0) }))
            bytes.append(0x89)  // requires_grad False
            try write(.dict(PickleDict(ordered: true)))  // backward hooks
            bytes += [0x74, 0x52]  // TUPLE REDUCE
        case .storage(let s):
            guard let type = Self.storageTypeNames[s.dtype], s.offset == 0 else {
                throw TorchError("pickle: cannot write a \(s.dtype) storage view")
            }
            bytes.append(0x28)
            try write(.string("storage"))
            writeGlobal("torch", type)
            try write(.string(s.key))
            try write(.string("cpu"))
            writeInt(s.count)
            bytes += [0x74, 0x51]  // TUPLE BINPERSID
        case .global(let name):
            let dot = name.lastIndex(of: ".")!
            writeGlobal(String(name[..<dot]), String(name[name.index(after: dot)...]))
        }
    }

    private mutating func writeGlobal(_ module: String, _ name: String) {
        bytes.append(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    private mutating func writeInt(_ v: Int) {
        if v >= 0 && v < 256 {
            bytes += [0x4B, UInt8(v)]
        } else if let v32 = Int32(exactly: v) {
            bytes.append(0x4A)
            bytes += withUnsafeBytes(of: v32.littleEndian, Array.init)
        } else {
            bytes += [0x8A, 8]  // LONG1 of 8 bytes
            bytes += withUnsafeBytes(of: Int64(v).littleEndian, Array.init)
        }
    }
}
