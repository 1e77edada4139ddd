import Torch

/// Backward pass, optional gradient-norm clipping and the optimiser update (mmcv's `OptimizerHook`). Mixed
/// precision and multi-process training replace this hook rather than add to it: loss scaling wraps the
/// backward pass, and the gradient all-reduce must run between backward and clipping.
final class OptimizerHook: TrainerHook {
    let priority = HookPriority.aboveNormal
    let clipGradNorm: Double?

    init(clipGradNorm: Double?) { self.clipGradNorm = clipGradNorm }

    func afterStep(_ run: TrainingRun) throws {
        guard let losses = run.losses else { return }
        try run.optimizer.zeroGrad()
        try losses.objective.backward()
        if let maxNorm = clipGradNorm {
            run.values["grad_norm"] = try Torch.clipGradNorm(run.optimizer.allParameters, maxNorm: maxNorm)
        }
        try run.optimizer.step()
    }
}
