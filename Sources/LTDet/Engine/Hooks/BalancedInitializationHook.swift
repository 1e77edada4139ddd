import Foundation
import Torch

/// LOCE's `InitializerHook` before its second stage: the model in evaluation mode runs its training forward
/// pass (losses, no backward, no update) over a class-balanced set, so that the feature memory and the mean
/// scores hold every class before the first fine-tuning step samples from them. A resumed run skips it: its
/// checkpoint already holds the memory, the mean scores and the generator they drew from.
public final class BalancedInitializationHook: TrainerHook {
    public let priority = HookPriority.veryHigh
    let model: MaskRCNN
    let source: LoaderBatchSource

    public init(model: MaskRCNN, source: LoaderBatchSource) {
        self.model = model
        self.source = source
    }

    public func beforeRun(_ run: TrainingRun) throws {
        guard run.state.iteration == 0 else { return }
        let batches = try source.iterationsPerEpoch(epoch: 1)
        FileHandle.standardError.write(Data("balanced initialisation: \(batches) batches, forward only\n".utf8))
        model.eval()
        defer { model.train() }
        try source.start(epoch: 1, position: 0)
        while let batch = try source.next() {
            _ = try withNoGrad { try model.step(batch, progress: TrainingProgress(iteration: 0, epoch: 1)) }
        }
    }
}
