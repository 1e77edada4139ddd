import Torch

/// Backward pass, optional gradient-norm clipping and the optimiser update (mmcv's `OptimizerHook`; with
/// `fp16:` its `Fp16OptimizerHook`: the loss scaled before backward, the gradients unscaled before clipping, a
/// step with inf/NaN gradients skipped). Multi-process training replaces this hook: the gradient all-reduce
/// must run between backward and clipping.
final class OptimizerHook: TrainerHook {
    let priority = HookPriority.aboveNormal
    let clipGradNorm: Double?

    init(clipGradNorm: Double?) { self.clipGradNorm = clipGradNorm }

    func afterStep(_ run: TrainingRun) throws {
        guard let losses = run.losses else { return }
        try run.optimizer.zeroGrad()
        try run.backward(losses.objective)
        try run.clipAndStep(clipGradNorm: clipGradNorm)
    }
}
