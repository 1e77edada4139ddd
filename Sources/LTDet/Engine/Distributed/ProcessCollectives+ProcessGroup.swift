import Torch

extension ProcessCollectives {
    /// The collectives of a process group, for the losses' state updates: `sum` all-reduces, `gather`
    /// concatenates every process's rows in rank order (what `dist.all_reduce` and `dist.all_gather` do in the
    /// original methods).
    public init(group: ProcessGroup) {
        self.init(sum: { try group.sum($0) }, gather: { try group.gather($0) })
    }
}
