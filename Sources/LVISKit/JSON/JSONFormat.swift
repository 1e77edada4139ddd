import Foundation

/// Small helpers for writing JSON and NumPy files.
enum JSONFormat {
    /// The shortest text that reads back to the same Double (as Python's `repr`); non-finite values as
    /// Python's json module writes them.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        if v == v.rounded(), abs(v) < 1e16 { return String(Int64(v)) + ".0" }
        return "\(v)"
    }

    static func appendEscaped(_ bytes: [UInt8], to out: inout [UInt8]) {
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0..<0x20: out.append(contentsOf: Array(String(format: "\\u%04x", b).utf8))
            default: out.append(b)
            }
        }
    }

    static func string(_ s: String) -> String {
        var out: [UInt8] = [0x22]
        appendEscaped(Array(s.utf8), to: &out)
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    static func writeFile(_ bytes: [UInt8], to path: String) throws {
        guard let handle = fopen(path, "wb") else {
            throw LVISKitError.io(file: path, message: String(cString: strerror(errno)))
        }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, handle) }
        let closed = fclose(handle)
        guard written == bytes.count, closed == 0 else {
            throw LVISKitError.io(file: path, message: "write failed: \(String(cString: strerror(errno)))")
        }
    }

    /// A little-endian float64 `.npy` file (NumPy format 1.0) of the given C-order shape.
    static func writeNPY(_ values: [Double], shape: [Int], to path: String) throws {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out.append(UInt8(length & 0xFF))
        out.append(UInt8(length >> 8))
        out.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        try writeFile(out, to: path)
    }
}
