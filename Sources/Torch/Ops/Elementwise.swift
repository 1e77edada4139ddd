import CTorch

extension Tensor {
    @inline(__always)
    func unary(_ op: ct_unary_op) throws -> Tensor { try .make { ct_unary(op, handle, $0) } }

    @inline(__always)
    func binary(_ op: ct_binary_op, _ other: Tensor) throws -> Tensor {
        try .make { ct_binary(op, handle, other.handle, $0) }
    }

    @inline(__always)
    func binary(_ op: ct_binary_op, _ scalar: Double) throws -> Tensor {
        try .make { ct_binary_scalar(op, handle, scalar, $0) }
    }

    // MARK: arithmetic (broadcasting, as libtorch)

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_ADD, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_SUB, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_MUL, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(CT_DIV, b) }
    public static func + (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_ADD, b) }
    public static func - (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_SUB, b) }
    public static func * (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_MUL, b) }
    public static func / (a: Tensor, b: Double) throws -> Tensor { try a.binary(CT_DIV, b) }
    public static func + (a: Double, b: Tensor) throws -> Tensor { try b.binary(CT_ADD, a) }
    public static func - (a: Double, b: Tensor) throws -> Tensor { try b.binary(CT_RSUB, a) }
    public static func * (a: Double, b: Tensor) throws -> Tensor { try b.binary(CT_MUL, a) }
    public static func / (a: Double, b: Tensor) throws -> Tensor { try b.reciprocal() * a }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(CT_NEG) }

    /// self + alpha * other, as one libtorch op (optimisers use it to stay as cheap as torch.optim).
    public func adding(_ other: Tensor, alpha: Double) throws -> Tensor {
        try .make { ct_add_scaled(handle, other.handle, alpha, $0) }
    }

    public func pow(_ exponent: Double) throws -> Tensor { try binary(CT_POW, exponent) }
    public func pow(_ exponent: Tensor) throws -> Tensor { try binary(CT_POW, exponent) }
    public func maximum(_ other: Tensor) throws -> Tensor { try binary(CT_MAXIMUM, other) }
    public func minimum(_ other: Tensor) throws -> Tensor { try binary(CT_MINIMUM, other) }
    public func maximum(_ other: Double) throws -> Tensor { try clamp(min: other) }
    public func minimum(_ other: Double) throws -> Tensor { try clamp(max: other) }
    public func remainder(_ other: Double) throws -> Tensor { try binary(CT_REMAINDER, other) }
    public func floorDivide(_ other: Double) throws -> Tensor { try binary(CT_FLOOR_DIVIDE, other) }
    public func floorDivide(_ other: Tensor) throws -> Tensor { try binary(CT_FLOOR_DIVIDE, other) }
    public func atan2(_ other: Tensor) throws -> Tensor { try binary(CT_ATAN2, other) }

    // MARK: comparisons and logic (bool results)

    public func eq(_ other: Tensor) throws -> Tensor { try binary(CT_EQ, other) }
    public func ne(_ other: Tensor) throws -> Tensor { try binary(CT_NE, other) }
    public func lt(_ other: Tensor) throws -> Tensor { try binary(CT_LT, other) }
    public func le(_ other: Tensor) throws -> Tensor { try binary(CT_LE, other) }
    public func gt(_ other: Tensor) throws -> Tensor { try binary(CT_GT, other) }
    public func ge(_ other: Tensor) throws -> Tensor { try binary(CT_GE, other) }
    public func eq(_ other: Double) throws -> Tensor { try binary(CT_EQ, other) }
    public func ne(_ other: Double) throws -> Tensor { try binary(CT_NE, other) }
    public func lt(_ other: Double) throws -> Tensor { try binary(CT_LT, other) }
    public func le(_ other: Double) throws -> Tensor { try binary(CT_LE, other) }
    public func gt(_ other: Double) throws -> Tensor { try binary(CT_GT, other) }
    public func ge(_ other: Double) throws -> Tensor { try binary(CT_GE, other) }
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try binary(CT_LOGICAL_AND, other) }
    public func logicalOr(_ other: Tensor) throws -> Tensor { try binary(CT_LOGICAL_OR, other) }
    public func logicalNot() throws -> Tensor { try unary(CT_LOGICAL_NOT) }

    // MARK: unary math

    public func abs() throws -> Tensor { try unary(CT_ABS) }
    public func exp() throws -> Tensor { try unary(CT_EXP) }
    public func log() throws -> Tensor { try unary(CT_LOG) }
    public func log2() throws -> Tensor { try unary(CT_LOG2) }
    public func log1p() throws -> Tensor { try unary(CT_LOG1P) }
    public func expm1() throws -> Tensor { try unary(CT_EXPM1) }
    public func sqrt() throws -> Tensor { try unary(CT_SQRT) }
    public func rsqrt() throws -> Tensor { try unary(CT_RSQRT) }
    public func square() throws -> Tensor { try unary(CT_SQUARE) }
    public func reciprocal() throws -> Tensor { try unary(CT_RECIPROCAL) }
    public func sin() throws -> Tensor { try unary(CT_SIN) }
    public func cos() throws -> Tensor { try unary(CT_COS) }
    public func tanh() throws -> Tensor { try unary(CT_TANH) }
    public func sigmoid() throws -> Tensor { try unary(CT_SIGMOID) }
    public func logSigmoid() throws -> Tensor { try unary(CT_LOGSIGMOID) }
    public func relu() throws -> Tensor { try unary(CT_RELU) }
    public func gelu() throws -> Tensor { try .make { ct_gelu(handle, $0) } }
    public func leakyRelu(_ slope: Double = 0.01) throws -> Tensor { try .make { ct_leaky_relu(handle, slope, $0) } }
    public func floor() throws -> Tensor { try unary(CT_FLOOR) }
    public func ceil() throws -> Tensor { try unary(CT_CEIL) }
    public func round() throws -> Tensor { try unary(CT_ROUND) }
    public func trunc() throws -> Tensor { try unary(CT_TRUNC) }
    public func sign() throws -> Tensor { try unary(CT_SIGN) }
    public func isNaN() throws -> Tensor { try unary(CT_ISNAN) }
    public func isInf() throws -> Tensor { try unary(CT_ISINF) }
    public func isFinite() throws -> Tensor { try unary(CT_ISFINITE) }

    /// Clamps into [min, max]; either bound may be omitted.
    public func clamp(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        try .make { ct_clamp(handle, min ?? 0, max ?? 0, min == nil ? 0 : 1, max == nil ? 0 : 1, $0) }
    }

    /// Clamps elementwise between tensors (broadcast); either bound may be omitted.
    public func clamp(min: Tensor?, max: Tensor?) throws -> Tensor {
        try .make { ct_clamp_tensor(handle, min?.handle, max?.handle, $0) }
    }

    /// `condition ? a : b` elementwise.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try .make { ct_where(condition.handle, a.handle, b.handle, $0) }
    }
}
