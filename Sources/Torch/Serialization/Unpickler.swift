import Foundation

/// A pickle reader for the subset that `torch.save` writes for state dicts and checkpoints (protocols 0-5 of
/// the opcodes below). It interprets the stream itself and calls nothing: a global outside `allowedGlobals`
/// is refused, so a malicious file can neither run code nor build arbitrary objects. libtorch 1.13's own
/// reader is not used because it rejects `collections.OrderedDict`, which every `state_dict()` is.
struct Unpickler {
    /// The classes and functions a state dict is built from, all interpreted here (see `reduce`).
    static let storageTypes: [String: DType] = [
        "torch.FloatStorage": .float32, "torch.DoubleStorage": .float64, "torch.HalfStorage": .float16,
        "torch.BFloat16Storage": .bfloat16, "torch.LongStorage": .int64, "torch.IntStorage": .int32,
        "torch.ShortStorage": .int16, "torch.CharStorage": .int8, "torch.ByteStorage": .uint8,
        "torch.BoolStorage": .bool,
    ]
    static let allowedGlobals: Set<String> = Set(storageTypes.keys).union([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
    ])

    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    let bytes: UnsafeRawBufferPointer
    var position: Int
    /// Resolves a persistent id (PyTorch's storage references); the container format decides how.
    let persistentLoad: (PickleValue) throws -> PickleValue

    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    init(bytes: UnsafeRawBufferPointer, position: Int = 0, persistentLoad: @escaping (PickleValue) throws -> PickleValue) {
        self.bytes = bytes
        self.position = position
        self.persistentLoad = persistentLoad
    }

    /// Reads one pickle from `position`, leaving `position` just after its STOP opcode.
    mutating func load() throws -> PickleValue {
        stack = []
        marks = []
        memo = [:]
        while true {
            let opcodeAt = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()  // PROTO
            case 0x95: _ = try read(8)  // FRAME: a length hint only
            case 0x2E:  // STOP
                guard let top = stack.popLast() else { throw Failure("STOP with an empty stack") }
                return top
            case 0x28: marks.append(stack.count)  // MARK
            case 0x4E: stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case 0x4B: stack.append(.int(Int(try byte())))  // BININT1
            case 0x4D: stack.append(.int(Int(try uint(2))))  // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4)))))  // BININT
            case 0x8A: stack.append(.int(try littleEndianSigned(Int(try byte()))))  // LONG1
            case 0x8B: stack.append(.int(try littleEndianSigned(Int(try uint(4)))))  // LONG4
            case 0x49:  // INT (text; "00"/"01" are False/True)
                let text = try line()
                if text == "00" || text == "01" {
                    stack.append(.bool(text == "01"))
                } else {
                    guard let v = Int(text) else { throw Failure("bad INT '\(text)'") }
                    stack.append(.int(v))
                }
            case 0x4C:  // LONG (text, with a trailing L)
                let text = try line()
                guard let v = Int(text.hasSuffix("L") ? String(text.dropLast()) : text) else {
                    throw Failure("bad LONG '\(text)'")
                }
                stack.append(.int(v))
            case 0x47: stack.append(.float(Double(bitPattern: try bigEndian(8))))  // BINFLOAT
            case 0x46:  // FLOAT (text)
                let text = try line()
                guard let v = Double(text) else { throw Failure("bad FLOAT '\(text)'") }
                stack.append(.float(v))
            case 0x8C: stack.append(.string(try utf8(Int(try byte()))))  // SHORT_BINUNICODE
            case 0x58: stack.append(.string(try utf8(Int(try uint(4)))))  // BINUNICODE
            case 0x8D: stack.append(.string(try utf8(Int(try uint(8)))))  // BINUNICODE8
            case 0x55: stack.append(.string(try latin1(Int(try byte()))))  // SHORT_BINSTRING
            case 0x54: stack.append(.string(try latin1(Int(try uint(4)))))  // BINSTRING
            case 0x56: stack.append(.string(try line()))  // UNICODE (raw-unicode-escape; ASCII in practice)
            case 0x43: stack.append(.bytes(Array(try read(Int(try byte())))))  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try read(Int(try uint(4))))))  // BINBYTES
            case 0x8E: stack.append(.bytes(Array(try read(Int(try uint(8))))))  // BINBYTES8
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86:  // TUPLE2
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))
            case 0x87:  // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, c]))
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x6C: stack.append(.list(PickleList(try popMark())))  // LIST
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x64: stack.append(.dict(PickleDict(try pairs(try popMark()))))  // DICT
            case 0x61:  // APPEND
                let item = try pop()
                try list(top()).items.append(item)
            case 0x65:  // APPENDS
                let items = try popMark()
                try list(top()).items += items
            case 0x73:  // SETITEM
                let value = try pop(), key = try pop()
                try dict(top()).entries.append((key, value))
            case 0x75:  // SETITEMS
                let items = try popMark()
                try dict(top()).entries += try pairs(items)
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            case 0x71: memo[Int(try byte())] = try top()  // BINPUT
            case 0x72: memo[Int(try uint(4))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x70:  // PUT
                guard let i = Int(try line()) else { throw Failure("bad PUT index") }
                memo[i] = try top()
            case 0x68: stack.append(try memoized(Int(try byte())))  // BINGET
            case 0x6A: stack.append(try memoized(Int(try uint(4))))  // LONG_BINGET
            case 0x67:  // GET
                guard let i = Int(try line()) else { throw Failure("bad GET index") }
                stack.append(try memoized(i))
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line()
                stack.append(try global(module + "." + (try line())))
            case 0x93:  // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw Failure("STACK_GLOBAL needs two strings")
                }
                stack.append(try global(module + "." + name))
            case 0x52:  // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try reduce(callable, args))
            case 0x62:  // BUILD: sets attributes (an OrderedDict's `_metadata`, a Parameter's); none matter here
                _ = try pop()
                switch try top() {
                case .dict, .tensor: break
                case let other: throw Failure("BUILD on \(other.kind)")
                }
            case 0x51: stack.append(try persistentLoad(try pop()))  // BINPERSID
            case 0x50: stack.append(try persistentLoad(.string(try line())))  // PERSID
            default:
                throw Failure(String(format: "unsupported pickle opcode 0x%02x at byte %d", op, opcodeAt))
            }
        }
    }

    // MARK: - Interpreting the allowed globals

    private func global(_ name: String) throws -> PickleValue {
        guard Self.allowedGlobals.contains(name) else {
            throw Failure(
                "refuses the pickled global '\(name)': only tensors, dicts, lists, tuples, strings and numbers "
                    + "are read (nothing in the file is run)")
        }
        return .global(name)
    }

    private func reduce(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let a) = args else {
            throw Failure("REDUCE of \(callable.kind) with \(args.kind)")
        }
        switch name {
        case "collections.OrderedDict":
            // OrderedDict() under protocol 2; older protocols pass the items as a list of pairs.
            var entries: [(key: PickleValue, value: PickleValue)] = []
            if case .list(let items)? = a.first {
                for item in items.items {
                    guard case .tuple(let kv) = item, kv.count == 2 else { throw Failure("OrderedDict item is not a pair") }
                    entries.append((kv[0], kv[1]))
                }
            }
            return .dict(PickleDict(entries, ordered: true))
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard a.count >= 4, case .storage(let storage) = a[0], case .int(let offset) = a[1],
                let shape = ints(a[2]), let stride = ints(a[3]), shape.count == stride.count
            else { throw Failure("\(name) with unexpected arguments") }
            return .tensor(PickledTensor(storage: storage, offset: offset, shape: shape, stride: stride))
        case "torch._utils._rebuild_parameter":
            guard case .tensor? = a.first else { throw Failure("\(name) without a tensor") }
            return a[0]
        default:
            throw Failure("\(name) cannot be called")
        }
    }

    private func ints(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case .int(let v) = item else { return nil }
            result.append(v)
        }
        return result
    }

    // MARK: - Stack

    private func top() throws -> PickleValue {
        guard let v = stack.last else { throw Failure("stack underflow") }
        return v
    }

    private mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast(), marks.last.map({ stack.count >= $0 }) ?? true else {
            throw Failure("stack underflow")
        }
        return v
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw Failure("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func memoized(_ i: Int) throws -> PickleValue {
        guard let v = memo[i] else { throw Failure("memo entry \(i) was never stored") }
        return v
    }

    private func list(_ value: PickleValue) throws -> PickleList {
        guard case .list(let l) = value else { throw Failure("APPEND to \(value.kind)") }
        return l
    }

    private func dict(_ value: PickleValue) throws -> PickleDict {
        guard case .dict(let d) = value else { throw Failure("SETITEM on \(value.kind)") }
        return d
    }

    private func pairs(_ items: [PickleValue]) throws -> [(key: PickleValue, value: PickleValue)] {
        guard items.count % 2 == 0 else { throw Failure("odd number of dict items") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    // MARK: - Bytes

    private mutating func read(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, position + n <= bytes.count else { throw Failure("truncated pickle (at byte \(position))") }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    private mutating func byte() throws -> UInt8 { try read(1)[0] }

    private mutating func uint(_ n: Int) throws -> UInt64 {
        try read(n).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func bigEndian(_ n: Int) throws -> UInt64 {
        try read(n).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A little-endian two's-complement integer of `n` bytes (LONG1/LONG4), which must fit an Int.
    private mutating func littleEndianSigned(_ n: Int) throws -> Int {
        guard n <= 8 else { throw Failure("integer of \(n) bytes does not fit 64 bits") }
        guard n > 0 else { return 0 }
        let raw = try uint(n)
        let shift = UInt64(64 - 8 * n)
        return Int(Int64(bitPattern: raw << shift) >> Int64(shift))
    }

    private mutating func utf8(_ n: Int) throws -> String {
        guard let s = String(bytes: try read(n), encoding: .utf8) else { throw Failure("string is not UTF-8") }
        return s
    }

    private mutating func latin1(_ n: Int) throws -> String {
        String(decoding: try read(n).map { UInt16($0) }, as: UTF16.self)
    }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw Failure("truncated pickle line") }
        defer { position = end + 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
    }
}
