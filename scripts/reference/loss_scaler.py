"""torch's GradScaler logic against `ltdet dev loss-scaler` on random scenarios.

    python loss_scaler.py LTDET_BIN WORKDIR SEED [CASES]

Each case draws a parameter vector, 6..40 steps of gradients (some steps with an inf or NaN injected, some runs
of clean steps longer than the growth interval), and either a dynamic scaler (random init_scale, growth/backoff
factors and a small growth_interval, or GradScaler's defaults) or mmcv's static form (a fixed loss_scale, updated
with itself every step as mmcv's Fp16OptimizerHook does). Both sides backpropagate scale * sum(param * grad),
unscale, step SGD unless a gradient is non-finite, and update. Compared: the scale each step used, whether it
stepped and the growth tracker after each update (exactly), the final parameters (exactly: the same float32
operations) and the scaler state.

GradScaler here is torch.cuda.amp.GradScaler's own sequence (scale -> unscale_ -> step -> update) over CPU
tensors. Its two fused ops are CUDA-only in torch 1.13 (Debian's), so where the linked torch has no CPU kernel
for them this script reproduces them from their CUDA source's documented semantics (aten/src/ATen/native/cuda/
AmpKernels.cu), and says so; with a torch that has the CPU kernels (2.3+) it calls the real ops.
Exits 1 on any mismatch.
"""
import inspect
import subprocess
import sys

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

HAS_CPU_KERNELS = torch._C._dispatch_has_kernel_for_dispatch_key("aten::_amp_update_scale_", "CPU") and \
    torch._C._dispatch_has_kernel_for_dispatch_key("aten::_amp_foreach_non_finite_check_and_unscale_", "CPU")
DEFAULTS = {k: v.default for k, v in inspect.signature(torch.cuda.amp.GradScaler.__init__).parameters.items()
            if k in ("init_scale", "growth_factor", "backoff_factor", "growth_interval")}


def non_finite_check_and_unscale_(grads, found_inf, inv_scale):
    """AmpKernels.cu: every element times inv_scale (unless inv_scale == 1), found_inf = 1 if any is inf/NaN."""
    if HAS_CPU_KERNELS:
        return torch._amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale)
    for g in grads:
        if not torch.isfinite(g).all():
            found_inf.fill_(1.0)
        if inv_scale.item() != 1.0:
            g.mul_(inv_scale)


def update_scale_(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    """AmpKernels.cu amp_update_scale_cuda_kernel: back off on inf (tracker 0); else count the clean step and
    grow on the growth_interval-th (tracker 0), unless growing overflows float32."""
    if HAS_CPU_KERNELS:
        return torch._amp_update_scale_(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval)
    if found_inf.item():
        scale.fill_(np.float32(scale.item() * backoff_factor))
        growth_tracker.fill_(0)
    else:
        successful = growth_tracker.item() + 1
        if successful == growth_interval:
            new_scale = np.float32(scale.item() * growth_factor)
            if np.isfinite(new_scale):
                scale.fill_(new_scale)
            growth_tracker.fill_(0)
        else:
            growth_tracker.fill_(successful)


class GradScaler:
    """torch.cuda.amp.GradScaler's sequence for one optimiser on one device (its scale, unscale_, step, update
    and state_dict, without the multi-device bookkeeping)."""

    def __init__(self, init_scale, growth_factor, backoff_factor, growth_interval):
        self._scale = torch.full((1,), init_scale, dtype=torch.float32)
        self._growth_tracker = torch.full((1,), 0, dtype=torch.int32)
        self._growth_factor, self._backoff_factor, self._growth_interval = growth_factor, backoff_factor, growth_interval
        self._found_inf = None

    def scale(self, loss):
        return loss * self._scale.to(dtype=loss.dtype)

    def unscale_(self, optimizer):
        inv_scale = self._scale.double().reciprocal().float()
        found_inf = torch.full((1,), 0.0, dtype=torch.float32)
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        with torch.no_grad():
            non_finite_check_and_unscale_(grads, found_inf, inv_scale)
        self._found_inf = found_inf

    def step(self, optimizer):
        if self._found_inf is None:
            self.unscale_(optimizer)
        if not self._found_inf.sum().item():
            optimizer.step()
            return True
        return False

    def update(self, new_scale=None):
        if new_scale is not None:
            self._scale.fill_(new_scale)
        else:
            update_scale_(self._scale, self._growth_tracker, self._found_inf, self._growth_factor,
                          self._backoff_factor, self._growth_interval)
        self._found_inf = None


def draw_case(rng):
    n = int(rng.integers(1, 40))
    steps = int(rng.integers(6, 41))
    param = rng.standard_normal(n).astype(np.float32)
    grads = []
    for _ in range(steps):
        g = (rng.standard_normal(n) * 10.0 ** rng.uniform(-4, 2)).astype(np.float32)
        if rng.random() < 0.25:
            g[rng.integers(0, n)] = rng.choice([np.inf, -np.inf, np.nan])
        grads.append(g)
    if rng.random() < 0.2:
        settings = {"loss_scale": float(2.0 ** rng.integers(0, 16))}
    elif rng.random() < 0.2:
        settings = {"loss_scale": "dynamic", **DEFAULTS}
    else:
        settings = {"loss_scale": "dynamic", "init_scale": float(rng.choice([2.0 ** rng.integers(0, 20), rng.uniform(1, 5e4)])),
                    "growth_factor": float(rng.choice([2.0, rng.uniform(1.1, 4)])),
                    "backoff_factor": float(rng.choice([0.5, rng.uniform(0.1, 0.9)])),
                    "growth_interval": int(rng.integers(1, 6))}
    lr = float(rng.uniform(1e-3, 0.5))
    return param, grads, settings, lr


def reference(param, grads, settings, lr):
    static = settings["loss_scale"] != "dynamic"
    if static:
        # mmcv Fp16OptimizerHook(loss_scale=512.): GradScaler(init_scale=512.), update(512.) every step.
        scaler = GradScaler(settings["loss_scale"], DEFAULTS["growth_factor"], DEFAULTS["backoff_factor"],
                            DEFAULTS["growth_interval"])
    else:
        scaler = GradScaler(settings["init_scale"], settings["growth_factor"], settings["backoff_factor"],
                            settings["growth_interval"])
    p = torch.nn.Parameter(torch.from_numpy(param.copy()))
    opt = torch.optim.SGD([p], lr=lr)
    scales, stepped, trackers = [], [], []
    for g in grads:
        opt.zero_grad()
        loss = (p * torch.from_numpy(g)).sum()
        scales.append(scaler._scale.item())
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        stepped.append(1 if scaler.step(opt) else 0)
        scaler.update(settings["loss_scale"] if static else None)
        trackers.append(scaler._growth_tracker.item())
    return {"scale": np.array(scales, dtype=np.float32), "stepped": np.array(stepped, dtype=np.int32),
            "growth_tracker": np.array(trackers, dtype=np.int32), "param": p.detach().numpy(),
            "state.scale": scaler._scale.numpy(), "state.growth_tracker": scaler._growth_tracker.numpy()}


def main():
    binary, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    rng = np.random.default_rng(seed)
    print("loss_scaler: fused ops", "from torch (CPU kernels)" if HAS_CPU_KERNELS else
          "reproduced from AmpKernels.cu (this torch has them for CUDA only)", "; GradScaler defaults", DEFAULTS)
    failures = skipped_total = 0
    for case in range(cases):
        param, grads, settings, lr = draw_case(rng)
        scenario, result = f"{work}/case{case}.safetensors", f"{work}/case{case}.out.safetensors"
        save_file({"param": param, **{f"grad.{i}": g for i, g in enumerate(grads)}}, scenario)
        args = [binary, "dev", "loss-scaler", "--in", scenario, "--out", result, "--lr", repr(lr)]
        if settings["loss_scale"] == "dynamic":
            args += ["--loss-scale", "dynamic", "--init-scale", repr(settings["init_scale"]),
                     "--growth-factor", repr(settings["growth_factor"]), "--backoff-factor",
                     repr(settings["backoff_factor"]), "--growth-interval", str(settings["growth_interval"])]
        else:
            args += ["--loss-scale", repr(settings["loss_scale"])]
        subprocess.run(args, check=True)
        got = load_file(result)
        want = reference(param, grads, settings, lr)
        skipped_total += int((want["stepped"] == 0).sum())
        for key, expected in want.items():
            actual = got.get(key)
            if actual is None or actual.shape != expected.shape or actual.dtype != expected.dtype \
                    or not np.array_equal(actual, expected, equal_nan=True):
                failures += 1
                print(f"case {case} {settings} lr {lr}: '{key}' differs:\n  ltdet     {actual}\n  reference {expected}")
    print(f"loss_scaler: {cases} cases, {skipped_total} skipped steps in all, {failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
