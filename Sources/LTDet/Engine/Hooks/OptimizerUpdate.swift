import Torch

/// What every optimiser hook does between backward and the next step, in one place: with a loss scaler
/// (`fp16:`), the backward pass of the scaled objective, and the gradients unscaled before clipping; the update
/// is skipped when they hold an inf or NaN, and the scaler adjusts its scale; without one, plain backward,
/// clipping and step. The hooks differ only in when they call these (accumulation) and in what they do between
/// backward and the update (the all-reduce).
extension TrainingRun {
    /// Backpropagates `objective`, times the loss scale in a mixed-precision run.
    func backward(_ objective: Tensor) throws {
        try (lossScaler?.scale(objective) ?? objective).backward()
    }

    /// Unscales (mixed precision), clips to `clipGradNorm` if given and steps the optimiser unless a gradient
    /// is inf or NaN; logs `grad_norm` (when finite) and `loss_scale` (the scale this step used).
    func clipAndStep(clipGradNorm: Double?) throws {
        if let lossScaler {
            values["loss_scale"] = try lossScaler.scale
            try lossScaler.unscale(optimizer)
        }
        if let maxNorm = clipGradNorm {
            let norm = try Torch.clipGradNorm(optimizer.allParameters, maxNorm: maxNorm)
            // A step with inf/NaN gradients is skipped (mixed precision) or stopped by the loss check before it.
            if norm.isFinite { values["grad_norm"] = norm }
        }
        if let lossScaler {
            try lossScaler.step(optimizer)
            try lossScaler.update()
        } else {
            try optimizer.step()
        }
    }
}
