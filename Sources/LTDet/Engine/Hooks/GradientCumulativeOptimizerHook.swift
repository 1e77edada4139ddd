import Torch

/// Gradient accumulation over `cumulativeIterations` steps (mmcv's `GradientCumulativeOptimizerHook`), so that
/// one device trains with an original's batch: 8 steps of 2 images update the weights as one step of 16 would.
/// Each step's objective is divided by the number of steps of its cycle and backpropagated; the optimiser clips
/// and steps, then zeroes the gradients, when the iteration count reaches a multiple of the cycle and at the last
/// iteration. When the run's length is not a multiple of the cycle, the last, shorter cycle divides by its own
/// length, as mmcv does. It replaces `OptimizerHook` (`optimizer.cumulative_iters` > 1). With `fp16:` it is
/// mmcv's `GradientCumulativeFp16OptimizerHook`: every step's share is scaled before backward, and the summed
/// gradients are unscaled once, before clipping, at the update; a cycle whose sum holds an inf or NaN is skipped.
///
/// What it does not make equal (docs/developer/engine.md): the classification losses' running statistics
/// (EQL v2's gradient sums, PCB's confusion matrix, Seesaw's counts, EBL's mean scores) are still updated once per
/// step, from that step's 2 images, and a step's loss is weighted with the statistics as that step left them;
/// the originals update them once per 16 images (8 processes, all-reduced). The sums over a cycle see the same
/// images, so EQL v2's accumulated gradients and Seesaw's counts end a cycle as the original would (EQL v2's
/// weights inside a cycle change 8 times instead of once); PCB's moving average takes 8 updates of 2 images where
/// the original takes one of 16, a faster decay per image. A resumed run starts a new cycle: gradients
/// accumulated before the checkpoint inside an unfinished cycle are not saved.
final class GradientCumulativeOptimizerHook: TrainerHook {
    let priority = HookPriority.aboveNormal
    let cumulativeIterations: Int
    let clipGradNorm: Double?

    init(cumulativeIterations: Int, clipGradNorm: Double?) {
        precondition(cumulativeIterations >= 1, "cumulative iterations must be positive, got \(cumulativeIterations)")
        self.cumulativeIterations = cumulativeIterations
        self.clipGradNorm = clipGradNorm
    }

    func beforeRun(_ run: TrainingRun) throws { try run.optimizer.zeroGrad() }

    func afterStep(_ run: TrainingRun) throws {
        guard let losses = run.losses else { return }
        let iteration = run.state.iteration  // already counts this step
        let fullCycles = run.totalIterations / cumulativeIterations * cumulativeIterations
        let divisor = iteration > fullCycles ? run.totalIterations - fullCycles : cumulativeIterations
        try run.backward(losses.objective / Double(divisor))
        guard iteration % cumulativeIterations == 0 || iteration >= run.totalIterations else { return }
        try run.clipAndStep(clipGradNorm: clipGradNorm)
        try run.optimizer.zeroGrad()
    }
}
