import Foundation

/// A pull parser over UTF-8 JSON bytes. The typed decoders (datasets, results, mask batches) walk the
/// document with it and build their structures directly, without an intermediate tree: this is what makes
/// LVIS-size files (hundreds of MB) load at hundreds of MB/s in bounded memory.
///
/// Containers are walked with `nextElement(&first)` / `nextKey(&first, in:)`; a value the decoder does not
/// need is skipped with `skipValue()`. Failures carry the byte offset; decoders prepend the JSON path on the
/// way out (`Failure.prepend`), and `JSONDocument` turns them into `LVISKitError` naming file, line and path.
struct JSONReader {
    enum Kind: Sendable { case object, array, string, number, bool, null }

    struct Failure: Error {
        var offset: Int
        var message: String
        /// True for malformed JSON, false for well-formed JSON with an unexpected value.
        var isSyntax: Bool
        /// JSON path components from the outermost container inwards, e.g. `annotations`, `[3]`, `bbox`.
        var path: [String] = []

        mutating func prepend(_ component: String) { path.insert(component, at: 0) }
        mutating func prepend(index: Int) { path.insert("[\(index)]", at: 0) }
        func prepending(_ component: String) -> Failure { var f = self; f.prepend(component); return f }
        func prepending(index: Int) -> Failure { var f = self; f.prepend(index: index); return f }

        var pathString: String {
            var s = ""
            for c in path {
                if c.hasPrefix("[") { s += c } else { s += s.isEmpty ? c : "." + c }
            }
            return s.isEmpty ? "(root)" : s
        }
    }

    /// A set of keys a decoder recognises; `nextKey` answers the index of the key or -1 for others.
    struct KeyTable {
        let keys: [[UInt8]]
        init(_ names: [String]) { keys = names.map { Array($0.utf8) } }
    }

    let base: UnsafePointer<UInt8>
    let count: Int
    var pos: Int = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    // MARK: - Low level

    @inline(__always) mutating func skipSpace() {
        while pos < count {
            let c = base[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    func syntaxError(_ message: String) -> Failure { Failure(offset: pos, message: message, isSyntax: true) }
    func schemaError(_ message: String) -> Failure { Failure(offset: pos, message: message, isSyntax: false) }

    static func describe(_ kind: Kind) -> String {
        switch kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    mutating func peek() throws(Failure) -> Kind {
        skipSpace()
        guard pos < count else { throw syntaxError("unexpected end of file") }
        switch base[pos] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"):
            return .number
        default:
            throw syntaxError("unexpected character '\(Self.printable(base[pos]))'")
        }
    }

    static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : String(format: "\\x%02X", c)
    }

    @inline(__always) mutating func expect(_ kind: Kind) throws(Failure) {
        let found = try peek()
        if found != kind { throw schemaError("expected \(Self.describe(kind)), found \(Self.describe(found))") }
    }

    // MARK: - Containers

    /// Consumes `[`.
    mutating func beginArray() throws(Failure) {
        try expect(.array)
        pos += 1
    }

    /// Before each element: true when one follows (consuming the separator), false at `]` (consumed).
    mutating func nextElement(_ first: inout Bool) throws(Failure) -> Bool {
        skipSpace()
        guard pos < count else { throw syntaxError("unexpected end of file inside an array") }
        if base[pos] == UInt8(ascii: "]") {
            pos += 1
            return false
        }
        if first {
            first = false
            return true
        }
        guard base[pos] == UInt8(ascii: ",") else { throw syntaxError("expected ',' or ']' in an array") }
        pos += 1
        return true
    }

    /// Consumes `{`.
    mutating func beginObject() throws(Failure) {
        try expect(.object)
        pos += 1
    }

    /// Reads the next key and its `:`; answers its index in `table`, -1 for a key not in the table, or nil
    /// at `}` (consumed).
    mutating func nextKey(_ first: inout Bool, in table: KeyTable) throws(Failure) -> Int? {
        skipSpace()
        guard pos < count else { throw syntaxError("unexpected end of file inside an object") }
        if base[pos] == UInt8(ascii: "}") {
            pos += 1
            return nil
        }
        if first {
            first = false
        } else {
            guard base[pos] == UInt8(ascii: ",") else { throw syntaxError("expected ',' or '}' in an object") }
            pos += 1
            skipSpace()
        }
        guard pos < count, base[pos] == UInt8(ascii: "\"") else { throw syntaxError("expected a key string") }
        let start = pos + 1
        var end = start
        var escaped = false
        while end < count && base[end] != UInt8(ascii: "\"") {
            if base[end] == UInt8(ascii: "\\") { escaped = true; end += 1 }
            end += 1
        }
        guard end < count else { throw syntaxError("unterminated key string") }
        var index = -1
        if escaped {
            let key = try readString()
            index = table.keys.firstIndex(of: Array(key.utf8)) ?? -1
        } else {
            let n = end - start
            let c0 = n > 0 ? base[start] : 0
            for i in 0..<table.keys.count {
                let k = table.keys[i]
                guard k.count == n, n == 0 || k[0] == c0 else { continue }
                let same = n == 0 || k.withUnsafeBufferPointer { memcmp(base + start, $0.baseAddress!, n) == 0 }
                if same { index = i; break }
            }
            pos = end + 1
        }
        skipSpace()
        guard pos < count, base[pos] == UInt8(ascii: ":") else { throw syntaxError("expected ':' after a key") }
        pos += 1
        return index
    }

    /// Reads the next key and its `:` as text, or nil at `}` (consumed). For generic objects.
    mutating func nextKeyString(_ first: inout Bool) throws(Failure) -> String? {
        skipSpace()
        guard pos < count else { throw syntaxError("unexpected end of file inside an object") }
        if base[pos] == UInt8(ascii: "}") {
            pos += 1
            return nil
        }
        if first {
            first = false
        } else {
            guard base[pos] == UInt8(ascii: ",") else { throw syntaxError("expected ',' or '}' in an object") }
            pos += 1
            skipSpace()
        }
        guard pos < count, base[pos] == UInt8(ascii: "\"") else { throw syntaxError("expected a key string") }
        let key = try readString()
        skipSpace()
        guard pos < count, base[pos] == UInt8(ascii: ":") else { throw syntaxError("expected ':' after a key") }
        pos += 1
        return key
    }

    /// Reads any value as a tree (for small documents such as mask batches).
    mutating func readValue() throws(Failure) -> JSONValue {
        switch try peek() {
        case .object:
            pos += 1
            var members: [String: JSONValue] = [:]
            var first = true
            while let key = try nextKeyString(&first) {
                do throws(Failure) { members[key] = try readValue() } catch { throw error.prepending(key) }
            }
            return .object(members)
        case .array:
            pos += 1
            var items: [JSONValue] = []
            var first = true
            while try nextElement(&first) {
                let i = items.count
                do throws(Failure) { items.append(try readValue()) } catch { throw error.prepending(index: i) }
            }
            return .array(items)
        case .string: return .string(try readString())
        case .number: return .number(try readDouble())
        case .bool: return .bool(try readBool())
        case .null:
            try readNull()
            return .null
        }
    }

    // MARK: - Scalars

    mutating func readBool() throws(Failure) -> Bool {
        try expect(.bool)
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw syntaxError("invalid literal")
    }

    mutating func readNull() throws(Failure) {
        try expect(.null)
        guard matchLiteral("null") else { throw syntaxError("invalid literal") }
    }

    /// True (and consumes it) when the next value is `null`.
    mutating func skipNull() throws(Failure) -> Bool {
        if try peek() == .null {
            try readNull()
            return true
        }
        return false
    }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= count, memcmp(base + pos, literal.utf8Start, n) == 0 else { return false }
        pos += n
        return true
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// A JSON number as a correctly rounded Double (the value Python's json module gives).
    mutating func readDouble() throws(Failure) -> Double {
        try expect(.number)
        let c0 = base[pos]
        if c0 == UInt8(ascii: "N") || c0 == UInt8(ascii: "I")
            || (c0 == UInt8(ascii: "-") && pos + 1 < count && base[pos + 1] == UInt8(ascii: "I"))
        {
            if matchLiteral("NaN") { return .nan }
            if matchLiteral("Infinity") { return .infinity }
            if matchLiteral("-Infinity") { return -.infinity }
            throw syntaxError("invalid literal")
        }
        let start = pos
        var negative = false
        if base[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        while pos < count, base[pos] &- 48 < 10 {
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(base[pos] &- 48)
                if mantissa != 0 { digits += 1 }
            } else {
                exponent += 1
                digits += 1
            }
            sawDigit = true
            pos += 1
        }
        guard sawDigit else { throw syntaxError("invalid number") }
        if pos < count, base[pos] == UInt8(ascii: ".") {
            pos += 1
            var fractionDigit = false
            while pos < count, base[pos] &- 48 < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(base[pos] &- 48)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else {
                    digits += 1
                }
                fractionDigit = true
                pos += 1
            }
            guard fractionDigit else { throw syntaxError("invalid number: no digit after '.'") }
        }
        if pos < count, base[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            var expNegative = false
            if pos < count, base[pos] == UInt8(ascii: "-") || base[pos] == UInt8(ascii: "+") {
                expNegative = base[pos] == UInt8(ascii: "-")
                pos += 1
            }
            var e = 0
            var expDigit = false
            while pos < count, base[pos] &- 48 < 10 {
                if e < 100_000 { e = e * 10 + Int(base[pos] &- 48) }
                expDigit = true
                pos += 1
            }
            guard expDigit else { throw syntaxError("invalid number: no digit in the exponent") }
            exponent += expNegative ? -e : e
        }
        // Clinger's fast path: both operands exact, so one IEEE operation rounds correctly.
        if digits <= 15 && mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent >= 0 { value *= Self.exactPowersOfTen[exponent] } else { value /= Self.exactPowersOfTen[-exponent] }
            return negative ? -value : value
        }
        let length = pos - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for i in 0..<length { buffer[i] = CChar(bitPattern: base[start + i]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// A JSON number that must be an integer (an integral float such as `3.0` is accepted, as Python does).
    mutating func readInt() throws(Failure) -> Int {
        try expect(.number)
        let start = pos
        var p = pos
        var negative = false
        if base[p] == UInt8(ascii: "-") { negative = true; p += 1 }
        var value = 0
        var digits = 0
        while p < count, base[p] &- 48 < 10, digits < 18 {
            value = value * 10 + Int(base[p] &- 48)
            digits += 1
            p += 1
        }
        if digits > 0 && (p >= count || !Self.continuesNumber(base[p])) {
            pos = p
            return negative ? -value : value
        }
        pos = start
        let d = try readDouble()
        guard d.isFinite, d.rounded() == d, abs(d) < 9.0e18 else {
            pos = start
            throw schemaError("expected an integer, found \(d)")
        }
        return Int(d)
    }

    @inline(__always) static func continuesNumber(_ c: UInt8) -> Bool {
        c &- 48 < 10 || c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e")
    }

    /// Reads a string and appends its unescaped UTF-8 bytes to `out`.
    mutating func readString(appendingTo out: inout [UInt8]) throws(Failure) {
        try expect(.string)
        pos += 1
        var runStart = pos
        while true {
            guard pos < count else { throw syntaxError("unterminated string") }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
                pos += 1
                return
            }
            if c == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
                try readEscape(into: &out)
                runStart = pos
                continue
            }
            if c < 0x20 { throw syntaxError("control character in a string") }
            pos += 1
        }
    }

    mutating func readString() throws(Failure) -> String {
        var bytes: [UInt8] = []
        try readString(appendingTo: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func readEscape(into out: inout [UInt8]) throws(Failure) {
        pos += 1
        guard pos < count else { throw syntaxError("unterminated escape") }
        let c = base[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if scalar >= 0xD800 && scalar < 0xDC00, pos + 1 < count, base[pos] == UInt8(ascii: "\\"),
                base[pos + 1] == UInt8(ascii: "u")
            {
                pos += 2
                let low = try readHex4()
                if low >= 0xDC00 && low < 0xE000 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    throw syntaxError("invalid surrogate pair")
                }
            }
            let unicode = UnicodeScalar(scalar) ?? UnicodeScalar(0xFFFD)!
            out.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw syntaxError("invalid escape '\\\(Self.printable(c))'")
        }
    }

    private mutating func readHex4() throws(Failure) -> UInt32 {
        guard pos + 4 <= count else { throw syntaxError("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw syntaxError("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    // MARK: - Skipping and generic values

    /// Skips one value of any kind, validating its syntax.
    mutating func skipValue() throws(Failure) {
        switch try peek() {
        case .object:
            pos += 1
            var first = true
            let none = KeyTable([])
            while try nextKey(&first, in: none) != nil { try skipValue() }
        case .array:
            pos += 1
            var first = true
            while try nextElement(&first) { try skipValue() }
        case .string:
            pos += 1
            while true {
                guard pos < count else { throw syntaxError("unterminated string") }
                let c = base[pos]
                if c == UInt8(ascii: "\"") { pos += 1; return }
                if c == UInt8(ascii: "\\") { pos += 2; continue }
                if c < 0x20 { throw syntaxError("control character in a string") }
                pos += 1
            }
        case .number: _ = try readDouble()
        case .bool: _ = try readBool()
        case .null: try readNull()
        }
    }

    /// After the top-level value: only whitespace may follow.
    mutating func expectEnd() throws(Failure) {
        skipSpace()
        if pos != count { throw syntaxError("extra data after the JSON value") }
    }

    // MARK: - Typed helpers used by the decoders

    mutating func readIntArray() throws(Failure) -> [Int] {
        try beginArray()
        var out: [Int] = []
        var first = true
        var i = 0
        while try nextElement(&first) {
            do throws(Failure) { out.append(try readInt()) } catch { throw error.prepending(index: i) }
            i += 1
        }
        return out
    }

    /// An uncompressed RLE `counts` list: non-negative integers that fit in 32 bits.
    mutating func readRLECounts() throws(Failure) -> [UInt32] {
        let list = try readIntArray()
        var counts: [UInt32] = []
        counts.reserveCapacity(list.count)
        for (i, c) in list.enumerated() {
            guard c >= 0 && c <= Int(UInt32.max) else {
                throw schemaError("count \(c) is outside 0...\(UInt32.max)").prepending(index: i)
            }
            counts.append(UInt32(c))
        }
        return counts
    }

    mutating func readDoubleArray() throws(Failure) -> [Double] {
        try beginArray()
        var out: [Double] = []
        var first = true
        var i = 0
        while try nextElement(&first) {
            do throws(Failure) { out.append(try readDouble()) } catch { throw error.prepending(index: i) }
            i += 1
        }
        return out
    }

    /// Line and column (1-based) of a byte offset, for syntax errors.
    func lineAndColumn(of offset: Int) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        let end = min(offset, count)
        var i = 0
        while i < end {
            if base[i] == 0x0A { line += 1; lineStart = i + 1 }
            i += 1
        }
        return (line, end - lineStart + 1)
    }
}

/// A whole JSON file in memory and the entry point of every typed decoder.
enum JSONDocument {
    /// Reads `path` and runs `decode` over its bytes, turning failures into `LVISKitError`.
    static func decodeFile<T>(
        _ path: String, _ decode: (inout JSONReader) throws(JSONReader.Failure) -> T
    ) throws -> T {
        let bytes = try readFile(path)
        return try Self.decode(bytes: bytes, name: path, decode)
    }

    static func decode<T>(
        bytes: [UInt8], name: String, _ decode: (inout JSONReader) throws(JSONReader.Failure) -> T
    ) throws -> T {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(base: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: buffer.count)
            // A UTF-8 byte order mark (some Windows editors write one) is not part of the JSON text; RFC 8259
            // lets a parser ignore it. Python's json refuses it, with the same content either way.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.pos = 3 }
            do throws(JSONReader.Failure) {
                let value = try decode(&reader)
                try reader.expectEnd()
                return value
            } catch {
                if error.isSyntax {
                    let (line, column) = reader.lineAndColumn(of: error.offset)
                    throw LVISKitError.syntax(file: name, line: line, column: column, message: error.message)
                }
                throw LVISKitError.schema(file: name, path: error.pathString, message: error.message)
            }
        }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let handle = fopen(path, "rb") else {
            throw LVISKitError.io(file: path, message: String(cString: strerror(errno)))
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var st = stat()
        if fstat(fileno(handle), &st) == 0, st.st_size > 0 {
            let size = Int(st.st_size)
            bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                initialized = fread(buffer.baseAddress, 1, size, handle)
            }
            if bytes.count != size {
                throw LVISKitError.io(file: path, message: "short read (\(bytes.count) of \(size) bytes)")
            }
        } else {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = fread(&chunk, 1, chunk.count, handle)
                if n <= 0 { break }
                bytes.append(contentsOf: chunk[0..<n])
            }
        }
        return bytes
    }
}

/// A JSON value as a tree, for small documents.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    var array: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    var double: Double? { if case let .number(v) = self { return v }; return nil }
    /// Integral numbers that fit an Int (a larger one, or inf, must be nil rather than a trap in the conversion).
    var int: Int? { if case let .number(v) = self, v == v.rounded(), abs(v) < 9.0e18 { return Int(v) }; return nil }
    var string: String? { if case let .string(s) = self { return s }; return nil }
    var bool: Bool? {
        switch self {
        case let .bool(b): return b
        case let .number(v): return v != 0
        default: return nil
        }
    }
    var doubles: [Double]? { array?.compactMap(\.double) }
}
