import CTorch

/// Loss scaling for mixed-precision training, with torch.cuda.amp.GradScaler's semantics and defaults: the loss
/// is multiplied by the scale before backward, so that small float16 gradients do not flush to zero; the
/// gradients are divided by it again (`unscale`) before anything reads them (clipping); a step whose gradients
/// hold an inf or NaN is skipped, and the scale then shrinks by `backoffFactor`; after `growthInterval` clean
/// steps in a row it grows by `growthFactor`. A static scaler (mmcv's `loss_scale: 512.`) keeps its scale fixed
/// but still skips non-finite steps, as mmcv's Fp16OptimizerHook does (GradScaler(init_scale=512) updated with
/// the fixed value every step).
///
/// Per step: `scale(loss).backward()`, `unscale(optimizer)`, clip, `step(optimizer)`, `update()`. The scale and
/// the inf flag stay on the loss's device; the only host read is the one that decides whether to step.
public final class GradScaler {
    public let initScale: Double
    public let growthFactor: Double
    public let backoffFactor: Double
    public let growthInterval: Int
    /// False for the static form: `update` leaves the scale at `initScale`.
    public let isDynamic: Bool

    /// The scale (1 element, float32) and the clean steps since the last change (1 element, int32), on the
    /// device of the losses scaled so far.
    private var scaleTensor: Tensor
    private var growthTracker: Tensor
    /// Set by `unscale` for the step in progress: 1 if a gradient held an inf or NaN.
    private var foundInf: Tensor?

    /// GradScaler's defaults: 65536, x2 after 2000 clean steps, x0.5 after a non-finite one.
    public init(
        initScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5, growthInterval: Int = 2000
    ) throws {
        guard initScale.isFinite, initScale > 0 else { throw TorchError("GradScaler: init_scale must be a finite number above 0, not \(initScale)") }
        guard growthFactor.isFinite, growthFactor > 1 else { throw TorchError("GradScaler: growth_factor must be a finite number above 1, not \(growthFactor)") }
        guard backoffFactor > 0, backoffFactor < 1 else { throw TorchError("GradScaler: backoff_factor must be between 0 and 1 (exclusive), not \(backoffFactor)") }
        guard growthInterval >= 1 else { throw TorchError("GradScaler: growth_interval must be at least 1, not \(growthInterval)") }
        self.initScale = initScale
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
        isDynamic = true
        scaleTensor = try Tensor.full([1], initScale, dtype: .float32)
        growthTracker = try Tensor.zeros([1], dtype: .int32)
    }

    /// A fixed scale (mmcv's `loss_scale: 512.`).
    public init(staticScale: Double) throws {
        guard staticScale.isFinite, staticScale > 0 else { throw TorchError("GradScaler: the static loss scale must be a finite number above 0, not \(staticScale)") }
        initScale = staticScale
        growthFactor = 2
        backoffFactor = 0.5
        growthInterval = 2000
        isDynamic = false
        scaleTensor = try Tensor.full([1], staticScale, dtype: .float32)
        growthTracker = try Tensor.zeros([1], dtype: .int32)
    }

    /// The scale now (a host read: for logs and tests, not the hot path).
    public var scale: Double { get throws { try scaleTensor.item() } }
    /// Clean steps since the scale last changed.
    public var cleanSteps: Int { get throws { Int(try growthTracker.item()) } }

    /// `loss` times the scale, to call backward on.
    public func scale(_ loss: Tensor) throws -> Tensor {
        if scaleTensor.device != loss.device {
            scaleTensor = try scaleTensor.to(loss.device)
            growthTracker = try growthTracker.to(loss.device)
        }
        return try loss * scaleTensor.to(loss.dtype)
    }

    /// Divides every gradient of `optimizer`'s parameters by the scale, in place, and records whether any held
    /// an inf or NaN. Call once per step, after backward (and after any all-reduce), before clipping.
    public func unscale(_ optimizer: any Optimizer) throws {
        guard foundInf == nil else { throw TorchError("GradScaler.unscale: already called since the last update()") }
        let gradients = try optimizer.allParameters.compactMap { p -> Tensor? in
            guard let g = p.wrappedValue.grad else { return nil }
            // As GradScaler: float16 gradients mean float16 parameters, which cannot hold an unscaled update.
            guard g.dtype != .float16 else { throw TorchError("GradScaler.unscale: float16 gradients (parameters must stay float32)") }
            return g
        }
        let found = try Tensor.zeros([1], dtype: .float32, device: scaleTensor.device)
        // 1/scale in double, rounded to float once, as GradScaler's `self._scale.double().reciprocal().float()`.
        let inverse = try scaleTensor.to(.float64).reciprocal().to(.float32)
        var handles = gradients.map { Optional($0.handle) }
        try withExtendedLifetime(gradients) {
            try check(ct_amp_unscale_(&handles, Int64(handles.count), found.handle, inverse.handle))
        }
        foundInf = found
    }

    /// Steps the optimiser unless the gradients held an inf or NaN (unscaling them first if `unscale` was not
    /// called); returns whether it stepped.
    @discardableResult
    public func step(_ optimizer: any Optimizer) throws -> Bool {
        if foundInf == nil { try unscale(optimizer) }
        let clean = try foundInf!.item() == 0
        if clean { try optimizer.step() }
        return clean
    }

    /// Adjusts the scale after this step (dynamic: back off on a non-finite step, grow after `growthInterval`
    /// clean ones; static: unchanged) and starts the next step.
    public func update() throws {
        guard let found = foundInf else { throw TorchError("GradScaler.update: no unscale() or step() since the last update()") }
        foundInf = nil
        guard isDynamic else { return }
        try check(
            ct_amp_update_scale_(
                scaleTensor.handle, growthTracker.handle, found.handle, growthFactor, backoffFactor,
                Int64(growthInterval)))
    }

    /// The state a resumed run needs: `scale` (float32) and `growth_tracker` (int32), one element each.
    public func stateDict() throws -> [String: Tensor] {
        ["scale": try scaleTensor.to(.cpu).clone(), "growth_tracker": try growthTracker.to(.cpu).clone()]
    }

    /// Restores `stateDict()`'s tensors; the factors and interval stay this scaler's (the configuration's).
    public func loadStateDict(_ state: [String: Tensor]) throws {
        for key in state.keys where key != "scale" && key != "growth_tracker" {
            throw TorchError("GradScaler state: unknown entry '\(key)'")
        }
        guard let scale = state["scale"], let tracker = state["growth_tracker"] else {
            throw TorchError("GradScaler state: needs 'scale' and 'growth_tracker', has \(state.keys.sorted())")
        }
        guard scale.shape == [1], scale.dtype == .float32 else {
            throw TorchError("GradScaler state: 'scale' must be 1 float32 element, not \(scale.dtype) \(scale.shape)")
        }
        guard tracker.shape == [1], tracker.dtype == .int32 else {
            throw TorchError("GradScaler state: 'growth_tracker' must be 1 int32 element, not \(tracker.dtype) \(tracker.shape)")
        }
        let value: Double = try scale.item()
        guard value.isFinite, value > 0 else { throw TorchError("GradScaler state: 'scale' must be a finite number above 0, not \(value)") }
        let count = Int(try tracker.item())
        guard count >= 0 else { throw TorchError("GradScaler state: 'growth_tracker' must be at least 0, not \(count)") }
        scaleTensor = try scale.to(scaleTensor.device).clone()
        growthTracker = try tracker.to(growthTracker.device).clone()
        foundInf = nil
    }
}
