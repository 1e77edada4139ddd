/// The compressed string form of RLE counts (`rleToString` / `rleFrString`): LEB128-like, 5 data bits and a
/// continuation bit per character, characters 48...111; counts after the third are stored as differences
/// from the count two places earlier.
enum RLECodec {
    static func encode(_ counts: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(counts.count * 2)
        encode(counts, into: &out)
        return out
    }

    static func encode(_ counts: [UInt32], into out: inout [UInt8]) {
        for i in 0..<counts.count {
            var x = Int(counts[i])
            if i > 2 { x -= Int(counts[i - 2]) }
            var more = true
            while more {
                var c = x & 0x1f
                x >>= 5
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                out.append(UInt8(c + 48))
            }
        }
    }

    /// Decodes a compressed string; throws on characters outside 48...111, a truncated last count or a
    /// count outside 0...UInt32.max. (The sum against h*w is checked by the caller, which knows the size.)
    static func decode(_ s: UnsafeBufferPointer<UInt8>) throws -> [UInt32] {
        var counts: [UInt32] = []
        counts.reserveCapacity(s.count)
        try decode(s, into: &counts)
        return counts
    }

    static func decode(_ s: UnsafeBufferPointer<UInt8>, into counts: inout [UInt32]) throws {
        var p = 0
        let start = counts.count
        while p < s.count {
            var x = 0
            var k = 0
            var more = true
            while more {
                guard p < s.count else {
                    throw LVISKitError.invalidMask("compressed counts end inside a count (last character has the continuation bit)")
                }
                let byte = s[p]
                guard byte >= 48 && byte <= 111 else {
                    throw LVISKitError.invalidMask(
                        "bad character '\(JSONReader.printable(byte))' at \(p) in compressed counts (allowed: '0'...'o')")
                }
                guard k < 12 else { throw LVISKitError.invalidMask("count too long in compressed counts at \(p)") }
                let c = Int(byte) - 48
                x |= (c & 0x1f) << (5 * k)
                more = (c & 0x20) != 0
                p += 1
                k += 1
                if !more && (c & 0x10) != 0 { x |= -1 << (5 * k) }
            }
            let m = counts.count - start
            if m > 2 { x += Int(counts[counts.count - 2]) }
            guard x >= 0 && x <= Int(UInt32.max) else {
                throw LVISKitError.invalidMask("count \(m) decodes to \(x), outside 0...\(UInt32.max)")
            }
            counts.append(UInt32(x))
        }
    }
}
