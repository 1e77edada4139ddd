import Torch

/// `OptimizerHook` for data-parallel training (mmcv's `DistOptimizerHook` over DDP): at the start every
/// process takes rank 0's parameters and buffers, so that all replicas start identical whatever their own
/// initialisation or checkpoint; after every backward pass the gradients are averaged over the processes in
/// flat buckets before clipping and the update, so that every replica takes the same step. With `fp16:` the
/// scaled gradients are averaged and then unscaled: an inf on any process reaches every process's average, so
/// all of them skip the same steps and keep the same scale.
final class DistributedOptimizerHook: TrainerHook {
    let priority = HookPriority.aboveNormal
    let group: ProcessGroup
    let clipGradNorm: Double?

    init(group: ProcessGroup, clipGradNorm: Double?) {
        self.group = group
        self.clipGradNorm = clipGradNorm
    }

    func beforeRun(_ run: TrainingRun) throws {
        let state = run.model.parameters().map(\.wrappedValue) + run.model.namedBuffers().map(\.1.wrappedValue)
        try group.broadcast(state, root: 0)
    }

    func afterStep(_ run: TrainingRun) throws {
        guard let losses = run.losses else { return }
        try run.optimizer.zeroGrad()
        try run.backward(losses.objective)
        // Every process must reduce the same list: a parameter this process's batch did not reach (no mask
        // positives, say) contributes zeros, as DDP's unused parameters do.
        var gradients: [Tensor] = []
        for parameter in run.optimizer.allParameters {
            if let gradient = parameter.wrappedValue.grad {
                gradients.append(gradient)
            } else {
                let zeros = try parameter.wrappedValue.detach().zerosLike()
                try parameter.wrappedValue.setGrad(zeros)
                gradients.append(zeros)
            }
        }
        try group.allReduceSum(gradients, scale: 1 / Double(group.worldSize))
        try run.clipAndStep(clipGradNorm: clipGradNorm)
    }
}
