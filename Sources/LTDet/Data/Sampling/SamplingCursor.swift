/// Where a training run stands in its sampler's stream: the epoch and the position inside that
/// epoch's index list. Saved in checkpoints (Codable) so a resumed run continues exactly.
public struct SamplerState: Sendable, Codable, Equatable {
    public var epoch: Int
    public var position: Int

    public init(epoch: Int = 0, position: Int = 0) {
        self.epoch = epoch
        self.position = position
    }
}

/// Walks a sampler epoch after epoch, handing out batches of dataset indices. The last batch of
/// an epoch may be shorter; the next call starts the next epoch.
public struct SamplingCursor: Sendable {
    public let sampler: any Sampler
    public private(set) var state: SamplerState
    private var epochIndices: [Int]

    public init(sampler: any Sampler, state: SamplerState = SamplerState()) {
        self.sampler = sampler
        self.state = state
        epochIndices = sampler.indices(forEpoch: state.epoch)
    }

    /// The length of the current epoch's list.
    public var epochLength: Int { epochIndices.count }

    /// The next (up to) `size` indices and the epoch they belong to.
    public mutating func nextBatch(size: Int) -> (epoch: Int, indices: [Int]) {
        precondition(size > 0)
        var guardCount = 0
        while state.position >= epochIndices.count {
            state = SamplerState(epoch: state.epoch + 1, position: 0)
            epochIndices = sampler.indices(forEpoch: state.epoch)
            guardCount += 1
            precondition(guardCount < 1000, "SamplingCursor: the sampler returns empty epochs")
        }
        let end = min(state.position + size, epochIndices.count)
        let batch = Array(epochIndices[state.position ..< end])
        let epoch = state.epoch
        state.position = end
        return (epoch, batch)
    }
}
