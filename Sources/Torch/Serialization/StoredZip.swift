import Foundation

/// The part of the ZIP format that PyTorch's zip files use: entries stored without compression (torch.save
/// never compresses), found through the central directory, with ZIP64 sizes and offsets for large files.
enum StoredZip {
    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static func isZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04
    }

    /// Every entry's name and the byte range of its (stored) data.
    static func entries(_ bytes: UnsafeRawBufferPointer) throws -> [String: Range<Int>] {
        // The end-of-central-directory record sits in the last 22 + 65535 bytes (it may end with a comment).
        let lowest = max(0, bytes.count - 22 - 65535)
        guard bytes.count >= 22,
            let eocd = stride(from: bytes.count - 22, through: lowest, by: -1).first(where: { u32(bytes, $0) == 0x0605_4B50 })
        else { throw Failure("no ZIP end-of-central-directory record") }
        var count = Int(u16(bytes, eocd + 10))
        var offset = Int(u32(bytes, eocd + 16))
        // A ZIP64 locator just before it points to the ZIP64 record holding the real count and offset.
        if eocd >= 20, u32(bytes, eocd - 20) == 0x0706_4B50 {
            let record = Int(u64(bytes, eocd - 12))
            guard record + 56 <= bytes.count, u32(bytes, record) == 0x0606_4B50 else { throw Failure("bad ZIP64 record") }
            count = Int(u64(bytes, record + 32))
            offset = Int(u64(bytes, record + 48))
        }
        var result: [String: Range<Int>] = [:]
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, u32(bytes, offset) == 0x0201_4B50 else {
                throw Failure("bad ZIP central directory at byte \(offset)")
            }
            let method = u16(bytes, offset + 10)
            var size = Int(u32(bytes, offset + 24))
            let nameLength = Int(u16(bytes, offset + 28))
            let extraLength = Int(u16(bytes, offset + 30))
            let commentLength = Int(u16(bytes, offset + 32))
            var local = Int(u32(bytes, offset + 42))
            let nameStart = offset + 46
            guard nameStart + nameLength + extraLength <= bytes.count else { throw Failure("truncated ZIP directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<(nameStart + nameLength)]), as: UTF8.self)
            // ZIP64 extra field: the 64-bit values present are those whose 32-bit fields are 0xFFFFFFFF, in order
            // uncompressed size, compressed size, local header offset.
            var extra = nameStart + nameLength
            while extra + 4 <= nameStart + nameLength + extraLength {
                let id = u16(bytes, extra), length = Int(u16(bytes, extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = Int(u64(bytes, field)); field += 8 }
                    if u32(bytes, offset + 20) == 0xFFFF_FFFF { field += 8 }
                    if local == 0xFFFF_FFFF { local = Int(u64(bytes, field)) }
                }
                extra += 4 + length
            }
            guard method == 0 else { throw Failure("entry '\(name)' is compressed (method \(method)); PyTorch stores entries") }
            guard local + 30 <= bytes.count, u32(bytes, local) == 0x0403_4B50 else {
                throw Failure("bad ZIP local header for '\(name)'")
            }
            let start = local + 30 + Int(u16(bytes, local + 26)) + Int(u16(bytes, local + 28))
            guard start + size <= bytes.count else { throw Failure("entry '\(name)' runs past the end of the file") }
            result[name] = start..<(start + size)
            offset = nameStart + nameLength + extraLength + commentLength
        }
        return result
    }

    /// A ZIP file of stored entries, in the given order. Files over 4 GiB (which need ZIP64) are refused.
    static func write(_ entries: [(name: String, data: Data)]) throws -> Data {
        var out = Data()
        var directory = Data()
        for (name, data) in entries {
            guard out.count + data.count < 0xFFFF_FFFF else { throw Failure("archives over 4 GiB are not written") }
            let nameBytes = Data(name.utf8)
            let crc = crc32(data)
            let offset = out.count
            // Local header: signature, version 2.0, flags, method 0 (stored), time, date, crc, sizes, name, extra.
            out.append(le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21))
            out.append(le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)))
            out.append(le16(UInt16(nameBytes.count)) + le16(0) + nameBytes)
            out.append(data)
            directory.append(le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21))
            directory.append(le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count)))
            directory.append(le16(UInt16(nameBytes.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0))
            directory.append(le32(UInt32(offset)) + nameBytes)
        }
        let directoryOffset = out.count
        out.append(directory)
        out.append(le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count)))
        out.append(le32(UInt32(directory.count)) + le32(UInt32(directoryOffset)) + le16(0))
        return out
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (ISO-HDLC), which PyTorch's zip reader verifies.
    static func crc32(_ data: Data) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        data.withUnsafeBytes { raw in
            for byte in raw { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }

    private static func u16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func u32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16
    }
    private static func u64(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32
    }
    private static func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }
    private static func le32(_ v: UInt32) -> Data { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
}
