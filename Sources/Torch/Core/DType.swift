import CTorch

/// Element types, numbered as c10::ScalarType.
public enum DType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, int16 = 2, int32 = 3, int64 = 4
    case float16 = 5, float32 = 6, float64 = 7, bool = 11, bfloat16 = 15

    public var isFloatingPoint: Bool { [.float16, .float32, .float64, .bfloat16].contains(self) }

    public var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .int16, .float16, .bfloat16: 2
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        case .bool: "bool"
        case .bfloat16: "bfloat16"
        }
    }
}

/// Where a tensor lives.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    var code: Int32 {
        switch self {
        case .cpu: -1
        case .cuda(let i): Int32(i)
        }
    }

    init(code: Int32) { self = code < 0 ? .cpu : .cuda(Int(code)) }

    /// Parses "cpu", "cuda" or "cuda:N".
    public init?(_ text: String) {
        if text == "cpu" {
            self = .cpu
        } else if text == "cuda" {
            self = .cuda(0)
        } else if text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)) {
            self = .cuda(i)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let i): "cuda:\(i)"
        }
    }
}

/// Swift element types that map to a tensor dtype, for conversion from and to arrays.
public protocol TensorElement: Sendable {
    static var dtype: DType { get }
}

extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension Int: TensorElement { public static var dtype: DType { .int64 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }
