import Foundation
import Torch

/// Renders PCB's confusion matrix as a PNG heatmap and lists its strongest off-diagonal pairs, for
/// `ltdet dev confusion`. The PNG encoder is minimal on purpose (RGB, deflate "stored" blocks, no zlib) until
/// the shared canvas of LTDet/Visualization reaches main; it should then move onto that canvas.
public enum ConfusionHeatmap {
    public struct Pair: Sendable {
        public let trueClass: Int
        public let predictedClass: Int
        public let value: Float
    }

    /// The `top` largest entries M[true, predicted] with true != predicted, largest first.
    public static func strongestConfusions(_ matrix: [Float], numClasses c: Int, top: Int) -> [Pair] {
        var pairs: [Pair] = []
        pairs.reserveCapacity(c * c)
        for i in 0..<c {
            for j in 0..<c where i != j { pairs.append(Pair(trueClass: i, predictedClass: j, value: matrix[i * c + j])) }
        }
        return Array(pairs.sorted { $0.value > $1.value }.prefix(top))
    }

    /// One pixel per class pair, rows = true class and columns = predicted class, both in `order` (e.g. most
    /// frequent first). Brightness grows with the square root of the entry so the small off-diagonal mass
    /// stays visible next to the diagonal.
    public static func png(_ matrix: [Float], numClasses c: Int, order: [Int]) -> Data {
        let peak = max(matrix.max() ?? 0, 1e-12)
        var rows = Data(capacity: c * (3 * c + 1))
        for i in order {
            rows.append(0)  // PNG filter type "none"
            for j in order {
                let v = Double(max(matrix[i * c + j], 0) / peak).squareRoot()
                rows.append(contentsOf: color(v))
            }
        }
        var header = Data()
        header.appendBigEndian(UInt32(c))
        header.appendBigEndian(UInt32(c))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // 8-bit RGB, deflate, no filter method, no interlace
        var file = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        file.appendChunk("IHDR", header)
        file.appendChunk("IDAT", zlibStored(rows))
        file.appendChunk("IEND", Data())
        return file
    }

    /// Dark blue -> teal -> yellow.
    private static func color(_ v: Double) -> [UInt8] {
        let stops: [(Double, Double, Double)] = [(0.05, 0.03, 0.2), (0.1, 0.55, 0.55), (1.0, 0.92, 0.2)]
        let x = min(max(v, 0), 1) * 2
        let k = min(Int(x), 1)
        let t = x - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        return [a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t].map { UInt8(($0 * 255).rounded()) }
    }

    /// A zlib stream of uncompressed deflate blocks (at most 65535 bytes each) with its Adler-32.
    private static func zlibStored(_ data: Data) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let last: UInt8 = offset + length >= data.count ? 1 : 0
            out.append(last)
            out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)])
            out.append(data.subdata(in: offset..<(offset + length)))
            offset += length
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        out.appendBigEndian((b << 16) | a)
        return out
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    fileprivate mutating func appendChunk(_ type: String, _ body: Data) {
        appendBigEndian(UInt32(body.count))
        let typed = Data(type.utf8) + body
        append(typed)
        appendBigEndian(crc32(typed))
    }
}

private let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

private func crc32(_ data: Data) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in data { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}
