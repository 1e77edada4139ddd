import Foundation

/// A value of the pickle subset that PyTorch checkpoints use: numbers, strings, containers, and tensors
/// described by their storage. Lists and dicts are reference types because a pickle may mutate a container
/// after memoising it (APPENDS, SETITEMS) and refer to it again later.
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list(PickleList)
    case tuple([PickleValue])
    case dict(PickleDict)
    case tensor(PickledTensor)
    case storage(PickledStorage)
    /// An allow-listed class or function by its qualified name ("collections.OrderedDict"); never called.
    case global(String)

    /// The entry of a dict under a string key.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let d) = self else { return nil }
        return d.entries.first { if case .string(key) = $0.key { true } else { false } }?.value
    }

    /// What a value is, for error messages.
    public var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .float: "a float"
        case .string: "a string"
        case .bytes: "bytes"
        case .list: "a list"
        case .tuple: "a tuple"
        case .dict: "a dict"
        case .tensor: "a tensor"
        case .storage: "a storage"
        case .global(let name): "the global \(name)"
        }
    }
}

public final class PickleList {
    public var items: [PickleValue]
    public init(_ items: [PickleValue] = []) { self.items = items }
}

/// A dict in insertion order; `ordered` says whether it was (or is to be written as) a `collections.OrderedDict`.
public final class PickleDict {
    public var entries: [(key: PickleValue, value: PickleValue)]
    public var ordered: Bool
    public init(_ entries: [(key: PickleValue, value: PickleValue)] = [], ordered: Bool = false) {
        self.entries = entries
        self.ordered = ordered
    }
}

/// A storage of a PyTorch file: the record `key` holds `count` elements of `dtype`, from element `offset`
/// (legacy files can refer to a view of a storage).
public struct PickledStorage {
    public var key: String
    public var dtype: DType
    public var count: Int
    public var offset: Int = 0

    public init(key: String, dtype: DType, count: Int, offset: Int = 0) {
        self.key = key
        self.dtype = dtype
        self.count = count
        self.offset = offset
    }
}

/// A tensor as pickled by `torch._utils._rebuild_tensor_v2`: a strided view of a storage (in elements).
public struct PickledTensor {
    public var storage: PickledStorage
    public var offset: Int
    public var shape: [Int]
    public var stride: [Int]

    public init(storage: PickledStorage, offset: Int, shape: [Int], stride: [Int]) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.stride = stride
    }

    /// Row-major strides of `shape`.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for i in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = step
            step *= shape[i]
        }
        return strides
    }
}
