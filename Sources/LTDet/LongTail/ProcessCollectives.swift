import Torch

/// The seam where a distributed trainer plugs its collective operations into the losses' state updates
/// (EQL v2 gradient sums, PCB batch confusion sums, EBL observations). The losses never talk to a process
/// group themselves; a single-process run keeps the default, which returns its input unchanged.
public struct ProcessCollectives: Sendable {
    /// Element-wise sum of a tensor over all processes (all-reduce), returned to every process.
    public var sum: @Sendable (Tensor) throws -> Tensor
    /// Concatenation along dimension 0 of every process's tensor (all-gather), returned to every process.
    public var gather: @Sendable (Tensor) throws -> Tensor

    public init(sum: @escaping @Sendable (Tensor) throws -> Tensor, gather: @escaping @Sendable (Tensor) throws -> Tensor) {
        self.sum = sum
        self.gather = gather
    }

    public static let singleProcess = ProcessCollectives(sum: { $0 }, gather: { $0 })
}
