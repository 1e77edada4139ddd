import CTorch

/// A failure reported by libtorch (a bad shape, a dtype mismatch, ...) or by the Swift layer above it.
/// The message is libtorch's own, without its C++ backtrace.
public struct TorchError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// The message libtorch left for this thread after a failing call.
    static func last() -> TorchError { TorchError(String(cString: ct_last_error())) }
}

/// Throws the pending libtorch error when a CTorch call returned non-zero.
@inline(__always)
func check(_ code: Int32) throws {
    if code != 0 { throw TorchError.last() }
}
