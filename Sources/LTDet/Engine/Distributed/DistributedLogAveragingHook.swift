import Torch

/// Makes the logged step values (loss terms, accuracy, ...) the average over the processes, as mmdet's
/// `_parse_losses` all-reduces each log variable: without it rank 0 logs the losses of its own images only, a
/// 1/W sample of the batch the update used. One all-reduce of a few numbers per step; it runs after the update
/// and before the logger.
final class DistributedLogAveragingHook: TrainerHook {
    let priority = HookPriority.low
    let group: ProcessGroup

    init(group: ProcessGroup) { self.group = group }

    func afterStep(_ run: TrainingRun) throws {
        let keys = run.values.keys.sorted()
        // The last entry fingerprints the names: every process must send the same ones, or the averages would mix
        // different quantities silently.
        let fingerprint = Self.fingerprint(keys)
        let local = keys.map { run.values[$0]! } + [fingerprint]
        var averaged = try group.sum(try Tensor(local, shape: [local.count])).toArray(Double.self)
        guard averaged.removeLast() == fingerprint * Double(group.worldSize) else {
            throw TorchError(
                "rank \(group.rank): the processes log different step values (this one: \(keys.joined(separator: ", ")))")
        }
        for (key, value) in zip(keys, averaged) { run.values[key] = value / Double(group.worldSize) }
    }

    /// FNV-1a of the names, cut to 40 bits so that W copies add up exactly in a Double.
    static func fingerprint(_ keys: [String]) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in keys.joined(separator: "\u{0}").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Double(hash & 0xff_ffff_ffff)
    }
}
