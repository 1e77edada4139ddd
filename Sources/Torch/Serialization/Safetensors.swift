import CTorch
import Foundation
import AtomicFileIO
#if canImport(Glibc)
import Glibc
#endif

/// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length,
/// a JSON header mapping names to {dtype, shape, data_offsets} (plus optional "__metadata__" strings),
/// then the raw little-endian tensor bytes. Readable by Python's `safetensors`.
public enum Safetensors {
    static let dtypeCodes: [DType: String] = [
        .float64: "F64", .float32: "F32", .float16: "F16", .bfloat16: "BF16", .int64: "I64", .int32: "I32",
        .int16: "I16", .int8: "I8", .uint8: "U8", .bool: "BOOL",
    ]

    /// Writes tensors (sorted by name) and string metadata to `url`, through a temporary file and a rename so
    /// that a crash never leaves a truncated file behind.
    public static func save(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var payload = Data()
        var cpuTensors: [(String, Tensor)] = []
        for name in tensors.keys.sorted() {
            let t = try tensors[name]!.detach().to(.cpu).contiguous()
            guard let code = dtypeCodes[t.dtype] else {
                throw TorchError("safetensors: \(name) has unsupported dtype \(t.dtype)")
            }
            let start = payload.count
            try t.withUnsafeBytes { payload.append(contentsOf: $0) }
            header[name] = ["dtype": code, "shape": t.shape, "data_offsets": [start, payload.count]] as [String: Any]
            cpuTensors.append((name, t))
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so that the data starts 8-byte aligned, as the reference writer does.
        while (json.count % 8) != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + payload.count)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(payload)
        try AtomicFile.write(out, to: url)
    }

    /// Reads every tensor of a safetensors file (CPU tensors) and its metadata.
    public static func load(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw TorchError("\(url.path): cannot read safetensors file (\(error.localizedDescription))")
        }
        guard data.count >= 8 else { throw TorchError("\(url.path): too short for a safetensors file") }
        // Compared as UInt64 first: a length above Int.max (a file starting with 0xff bytes) must be an error,
        // not a trap in the conversion.
        let declaredLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declaredLength > 0, declaredLength <= UInt64(data.count - 8) else {
            throw TorchError(
                "\(url.path): header length \(declaredLength) does not fit the file size \(data.count) (not a safetensors file, or truncated)")
        }
        let headerLength = Int(declaredLength)
        let headerData = data.subdata(in: 8..<(8 + headerLength))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw TorchError("\(url.path): the safetensors header is not a JSON object")
        }
        let base = 8 + headerLength
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let code = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw TorchError("\(url.path): header entry '\(name)' is malformed") }
            guard let dtype = dtypeCodes.first(where: { $0.value == code })?.key else {
                throw TorchError("\(url.path): tensor '\(name)' has unsupported dtype \(code)")
            }
            // Checked arithmetic: a hostile shape or offset must be an error, not an overflow trap.
            guard shape.allSatisfy({ $0 >= 0 }), let expected = shape.reduce(Optional(dtype.byteSize), { product, dim in
                product.flatMap { p in let (r, o) = p.multipliedReportingOverflow(by: dim); return o ? nil : r } }),
                offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == expected,
                offsets[1] <= data.count - base
            else {
                throw TorchError("\(url.path): tensor '\(name)' data_offsets \(offsets) do not fit shape \(shape)")
            }
            tensors[name] = try data.withUnsafeBytes { raw in
                try Tensor.fromBytes(
                    UnsafeRawBufferPointer(rebasing: raw[(base + offsets[0])..<(base + offsets[1])]), shape: shape,
                    dtype: dtype)
            }
        }
        return (tensors, metadata)
    }
}

extension Tensor {
    /// A CPU tensor copied from raw little-endian bytes.
    public static func fromBytes(_ bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws -> Tensor {
        try withDims(shape) { d, n in try .make { ct_from_buffer(bytes.baseAddress, d, n, dtype.rawValue, $0) } }
    }
}
