"""Independent PyTorch implementations of LTDet's classification losses, written from docs/methods.md
(Seesaw, EQL v2, PCB, LOCE's EBL), and a randomized comparison against `ltdet dev loss`.

    python losses.py LTDET_BIN WORKDIR SEED [CASES]

Each case draws a method, C (up to 1203), N, a label mix (with and without positives), logits (some extreme),
optional label weights and a mid-training state, runs one step through the harness and through the formulas
below, and compares every loss term and the logits gradient (relative to the largest magnitude: 1e-5 in float32,
1e-10 in float64), the updated state (counts exactly, floating state to rounding) and the test-time scores.
Exits 1 on any mismatch. Tensor names: docs/developer/loss-harness.md.
"""
import json
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file, save_file

METHODS = ["softmax", "sigmoid", "seesaw", "eqlv2", "ebl", "softmax_pcb", "seesaw_pcb", "eqlv2_pcb"]
PCB_ALPHA = {"softmax": 0.4, "seesaw": 0.05, "eqlv2": 0.2}


# ----------------------------------------------------------------------------------------------- formulas

def weighted_sum(per_row, w, avg):
    return (per_row * w).sum() / max(avg, 1.0)


def pcb_update(state, p, y, C, renormalize):
    """EMA 0.99 over rows of classes present; re-normalise updated rows for softmax/Seesaw; n += counts."""
    M, n = state["confusion"].clone(), state["confusion_count"].clone()
    for k in torch.unique(y).tolist():
        rows = y == k
        row = state["momentum"] * M[k] + (1 - state["momentum"]) * p[rows].mean(0)
        if renormalize:
            row = row / row.sum()
        M[k] = row
        n[k] += rows.sum()
    state["confusion"], state["confusion_count"] = M, n


COVERAGE = {"pcb_active": 0, "pcb_inactive": 0, "no_positives": 0, "float64": 0, "extreme": 0}


def pcb_strength(state, epoch, override, base_alpha):
    if epoch >= state["start_epoch"] and bool((state["confusion_count"] > 0).all()):
        COVERAGE["pcb_active"] += 1
        return override if override is not None else base_alpha
    COVERAGE["pcb_inactive"] += 1
    return None


def fightback(M, y, normalize_columns):
    """t_k = M[k, c] / sum_k' M[k', c] (softmax/Seesaw) or the raw column c (EQL v2), one row per RoI."""
    cols = M[:, y].t()
    if normalize_columns:
        cols = cols / M.sum(0)[y].unsqueeze(1)
    return cols


def ref_softmax(z, y, w, avg, C, state, epoch, override, pcb):
    ce = F.cross_entropy(z, y, reduction="none")
    pos = y < C
    if pcb:
        if pos.any():
            pcb_update(state, F.softmax(z[pos, :C].detach(), 1), y[pos], C, True)
        a = pcb_strength(state, epoch, override, PCB_ALPHA["softmax"])
        if a is not None:
            factor = torch.where(pos, torch.full_like(ce, 1 - a), torch.ones_like(ce))
            loss = weighted_sum(ce * factor, w, avg)
            t = fightback(state["confusion"], y[pos], True)
            t = torch.cat([t, torch.zeros(t.shape[0], 1, dtype=t.dtype)], 1)
            logp = F.log_softmax(z[pos], 1)
            kl = torch.where(t > 0, t * (torch.log(t) - logp), torch.zeros_like(t)).sum()
            return {"loss_cls": loss + a * kl / max(avg, 1.0)}, F.softmax(z, 1)
    return {"loss_cls": weighted_sum(ce, w, avg)}, F.softmax(z, 1)


def objectness_sigmoid_scores(z):
    s = torch.sigmoid(z)
    return torch.cat([s[:, :-1] * (1 - s[:, -1:]), s[:, -1:]], 1)


def ref_sigmoid(z, y, w, avg, C, state, epoch, override, pcb):
    # eqlv2's sigmoid head: C outputs, background rows all-zero targets; scores: sigmoids and a zero background.
    Y = F.one_hot(y, C + 1)[:, :C].to(z.dtype)
    bce = F.binary_cross_entropy_with_logits(z, Y, reduction="none").sum(1)
    return {"loss_cls": weighted_sum(bce, w, avg)}, torch.cat([torch.sigmoid(z), torch.zeros_like(z[:, :1])], 1)


def ref_seesaw(z, y, w, avg, C, state, epoch, override, pcb, p=0.8, q=2.0, eps=0.01):
    state["cum_samples"] = state["cum_samples"] + torch.bincount(y, minlength=C + 1).to(state["cum_samples"].dtype)
    zc, zo = z[:, :C], z[:, C:]
    pos = y < C
    a = None
    if pcb:
        if pos.any():
            pcb_update(state, F.softmax(zc[pos].detach(), 1), y[pos], C, True)
        a = pcb_strength(state, epoch, override, PCB_ALPHA["seesaw"])
    out = {}
    if pos.any():
        zp, yp, wp = zc[pos], y[pos], w[pos]
        Ncount = state["cum_samples"][:C].to(z.dtype).clamp(min=1)
        Ny = Ncount[yp].unsqueeze(1)
        Nj = Ncount.unsqueeze(0)
        M = torch.where(Nj < Ny, (Nj / Ny) ** p, torch.ones_like(zp))
        s = F.softmax(zp.detach(), 1)
        ratio = s / s.gather(1, yp.unsqueeze(1)).clamp(min=eps)
        Cf = torch.where(ratio > 1, ratio ** q, torch.ones_like(ratio))
        notown = 1 - F.one_hot(yp, C).to(z.dtype)
        zadj = zp + torch.log(M * Cf) * notown
        out["loss_cls_classes"] = weighted_sum(F.cross_entropy(zadj, yp, reduction="none"), wp, avg) * (1 - (a or 0))
        if a is not None:
            t = fightback(state["confusion"], yp, True)
            out["loss_pcb_classes"] = a * weighted_sum(-(t * F.log_softmax(zadj, 1)).sum(1), wp, avg)
    else:
        out["loss_cls_classes"] = zc.sum() * 0
        if a is not None:
            out["loss_pcb_classes"] = zc.sum() * 0
    obj_target = (y == C).long()
    out["loss_cls_objectness"] = weighted_sum(F.cross_entropy(zo, obj_target, reduction="none"), w, avg)
    so = F.softmax(zo, 1)
    scores = torch.cat([F.softmax(zc, 1) * so[:, :1], so[:, 1:]], 1)
    return out, scores


def ref_eqlv2(z, y, w, avg, C, state, epoch, override, pcb, gamma=12.0, mu=0.8, alpha=4.0):
    Y = F.one_hot(y, C + 1).to(z.dtype)
    pos = y < C
    if pcb:
        if pos.any():
            pcb_update(state, torch.sigmoid(z[pos, :C].detach()), y[pos], C, False)
        a = pcb_strength(state, epoch, override, PCB_ALPHA["eqlv2"])
        if a is not None and pos.any():
            t = fightback(state["confusion"], y[pos], False)
            Y = Y.clone()
            Y[pos, :C] = a * t + (1 - a) * Y[pos, :C]
    r = state["pos_neg"].to(z.dtype)
    qc = torch.cat([1 / (1 + torch.exp(-gamma * (r - mu))), torch.ones(1, dtype=z.dtype)])
    pc = 1 + alpha * (1 - qc)
    W = (pc.unsqueeze(0) * Y + qc.unsqueeze(0) * (1 - Y)) * w.unsqueeze(1)
    loss = (F.binary_cross_entropy_with_logits(z, Y, reduction="none") * W).sum() / z.shape[0]
    g = (torch.sigmoid(z.detach()) - Y).abs()
    state["pos_grad"] = state["pos_grad"] + (g * Y * W).sum(0)[:C]
    state["neg_grad"] = state["neg_grad"] + (g * (1 - Y) * W).sum(0)[:C]
    state["pos_neg"] = state["pos_grad"] / (state["neg_grad"] + 1e-10)
    return {"loss_cls": loss}, objectness_sigmoid_scores(z)


def ref_ebl(z, y, w, avg, C, state, epoch, override, pcb, ids=None):
    s = F.softmax(z.detach(), 1).double()
    groups = {}
    for i, label in enumerate(y.tolist()):
        if label >= C:
            continue
        gid = ids[i] if ids is not None else -2
        if gid == -1:
            continue
        key = ("inst", gid) if gid >= 0 else ("class", label)
        groups.setdefault(key, (label, []))[1].append(s[i, label].item())
    per_class = {}
    for label, values in groups.values():
        per_class.setdefault(label, []).append(sum(values) / len(values))
    m = state["mean_score"].double().clone()
    for label, obs in per_class.items():
        d = 0.9 ** len(obs)
        m[label] = d * m[label] + (1 - d) * (sum(obs) / len(obs))
    m[C] = 0.01
    state["mean_score"] = m.to(state["mean_score"].dtype)
    # -log(m_y e^{z_y} / sum_j m_j e^{z_j}) is the cross-entropy of the logits shifted by log m. Computing it
    # as such (rather than through logsumexp and gather) keeps float32 rounding of p - 1 comparable.
    logm = torch.log(state["mean_score"].to(z.dtype))
    nll = F.cross_entropy(z + logm, y, reduction="none")
    return {"loss_cls": weighted_sum(nll, w, avg)}, F.softmax(z, 1)


REFERENCES = {"softmax": ref_softmax, "sigmoid": ref_sigmoid, "seesaw": ref_seesaw, "eqlv2": ref_eqlv2,
              "ebl": ref_ebl}

# ----------------------------------------------------------------------------------------------- cases


# Classifier outputs beyond the C classes (1, the background or objectness column, for the others).
EXTRA_OUTPUTS = {"seesaw": 2, "sigmoid": 0}


def make_case(rng, method):
    base = method.replace("_pcb", "")
    pcb = method.endswith("_pcb")
    dtype = np.float64 if rng.random() < 0.3 else np.float32
    C = int(rng.choice([1, 2, 5, int(rng.integers(3, 60)), int(rng.integers(60, 1204)), 1203]))
    N = int(rng.integers(1, 300))
    width = C + EXTRA_OUTPUTS.get(base, 1)
    mix = rng.choice(["mixed", "all_background", "all_positive", "few_positive"])
    if mix == "all_background":
        y = np.full(N, C)
    elif mix == "all_positive":
        y = rng.integers(0, C, N)
    else:
        frac = 0.25 if mix == "mixed" else 0.03
        y = np.where(rng.random(N) < frac, rng.integers(0, C, N), C)
    scale = float(rng.choice([1.0, 3.0, 30.0]))
    z = rng.normal(0, scale, (N, width))
    if rng.random() < 0.3:  # extreme logits
        spikes = rng.random((N, width)) < 0.02
        z = np.where(spikes, rng.choice([-300.0, 300.0], (N, width)), z)
    tensors = {"cls_score": z.astype(dtype), "labels": y.astype(np.int64)}
    if rng.random() < 0.3:
        tensors["label_weights"] = (rng.random(N) < 0.9).astype(dtype) * rng.uniform(0.5, 1.5)
    options = {}
    if rng.random() < 0.3:
        options["avg_factor"] = float(rng.integers(1, 2 * N + 2))
    epoch = int(rng.integers(1, 25))
    tensors["epoch"] = np.array(epoch, dtype=np.int64)
    if base == "seesaw":
        tensors["cum_samples"] = np.where(rng.random(C + 1) < 0.2, 0, rng.integers(1, 5000, C + 1)).astype(dtype)
    if base == "eqlv2":
        if rng.random() < 0.3:
            tensors.update(pos_grad=np.zeros(C, dtype), neg_grad=np.zeros(C, dtype), pos_neg=np.full(C, 100, dtype))
        else:
            pg, ng = rng.uniform(0, 50, C), rng.uniform(0, 200, C)
            tensors.update(pos_grad=pg.astype(dtype), neg_grad=ng.astype(dtype),
                           pos_neg=(pg.astype(dtype) / (ng.astype(dtype) + dtype(1e-10))).astype(dtype))
    if base == "ebl":
        m = rng.uniform(1e-4, 1, C + 1)
        m[C] = 0.01
        tensors["mean_score"] = m.astype(dtype)
        if rng.random() < 0.7:
            ids = np.full(N, -1)
            pos = np.nonzero(y < C)[0]
            replay = pos[rng.random(len(pos)) < 0.2]
            ids[replay] = -2
            instance_of_label = {}
            for i in pos:
                if ids[i] == -2:
                    continue
                k = int(rng.integers(0, 3))  # up to three instances per class
                instance_of_label.setdefault((int(y[i]), k), len(instance_of_label))
                ids[i] = instance_of_label[(int(y[i]), k)]
            tensors["instance_ids"] = ids.astype(np.int64)
    if pcb:
        momentum = float(rng.choice([0.99, 0.9]))
        start = int(rng.integers(1, epoch + 1)) if rng.random() < 0.7 else int(rng.integers(1, 25))
        options["pcb"] = {"momentum": momentum, "start_epoch": start}
        M = rng.uniform(0, 1, (C, C)) ** 4 + np.eye(C)
        if base != "eqlv2":
            M = M / M.sum(1, keepdims=True)
        elif rng.random() < 0.2:
            M = np.zeros((C, C))
        n = rng.integers(1, 100, C).astype(dtype)
        if rng.random() < 0.3:
            n[rng.random(C) < 0.1] = 0
        tensors.update(confusion=M.astype(dtype), confusion_count=n)
        if rng.random() < 0.3:
            options["pcb_alpha_override"] = float(rng.uniform(0, 0.5))
    return tensors, options, dict(method=method, C=C, N=N, mix=str(mix), dtype=np.dtype(dtype).name, scale=scale)


def reference(method, tensors, options):
    base, pcb = method.replace("_pcb", ""), method.endswith("_pcb")
    t = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}
    z = t["cls_score"].clone().requires_grad_(True)
    y = t["labels"]
    C = z.shape[1] - EXTRA_OUTPUTS.get(base, 1)
    w = t.get("label_weights", torch.ones(y.shape[0], dtype=z.dtype)).to(z.dtype)
    avg = options.get("avg_factor", float(max(y.shape[0], 1)))
    state = {k: v.clone() for k, v in t.items() if k not in ("cls_score", "labels", "label_weights", "epoch",
                                                              "instance_ids")}
    if pcb:
        state["momentum"] = options["pcb"]["momentum"]
        state["start_epoch"] = options["pcb"]["start_epoch"]
    kwargs = {}
    if base == "ebl":
        kwargs["ids"] = t["instance_ids"].tolist() if "instance_ids" in t else None
    losses, scores = REFERENCES[base](z, y, w, avg, C, state, int(t["epoch"]), options.get("pcb_alpha_override"),
                                      pcb, **kwargs)
    total = sum(losses.values())
    grad = torch.autograd.grad(total, z, allow_unused=True)[0] if total.requires_grad else None
    out = {k: v.detach().numpy() for k, v in losses.items()}
    out["grad_cls_score"] = (grad if grad is not None else torch.zeros_like(z)).numpy()
    out["scores"] = scores.detach().numpy()
    for k in ("cum_samples", "pos_grad", "neg_grad", "pos_neg", "mean_score", "confusion", "confusion_count"):
        if k in state:
            out[k] = state[k].numpy()
    return out


def compare(name, got, want, dtype):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return f"{name}: shape {got.shape} != {want.shape}"
    if name in ("cum_samples", "confusion_count"):
        return None if np.array_equal(got, want) else f"{name}: counts differ (max {np.abs(got - want).max()})"
    if not np.isfinite(want).all() or not np.isfinite(got).all():
        same = np.array_equal(np.isnan(got), np.isnan(want)) and np.allclose(got[np.isfinite(want)],
                                                                             want[np.isfinite(want)])
        return None if same else f"{name}: non-finite values differ"
    tol = 1e-5 if dtype == "float32" else 1e-10
    scale = max(np.abs(want).max(initial=0), 1e-30)
    err = np.abs(got - want).max(initial=0) / scale
    return None if err <= tol else f"{name}: relative error {err:.3e} > {tol}"



def run_harness(ltdet, arguments, tensors, path_in, path_out):
    """Writes the case's tensors to path_in, runs `ltdet dev ARGUMENTS`, returns (outputs, None) or (None, error)."""
    save_file(tensors, path_in)
    run = subprocess.run([ltdet, "dev", *arguments], capture_output=True, text=True)
    if run.returncode != 0:
        return None, f"ltdet exited {run.returncode}: {run.stderr.strip()}"
    return load_file(path_out), None


def output_problems(got, want, check, extra_keys=lambda key: True):
    """Every wanted output compared by check(name, got, want) and present; outputs nobody wanted (of those
    extra_keys selects) are a problem too."""
    problems = [p for k in want for p in [check(k, got[k], want[k]) if k in got
                                          else f"{k}: missing from the harness output"] if p]
    extra = sorted(k for k in got if extra_keys(k) and k not in want)
    if extra:
        problems.append(f"unexpected outputs {extra}")
    return problems

def main():
    ltdet, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = int(sys.argv[4]) if len(sys.argv) > 4 else 48
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    failures = 0
    for i in range(cases):
        method = METHODS[i % len(METHODS)]
        tensors, options, info = make_case(rng, method)
        path_in, path_out = f"{work}/in_{i}.safetensors", f"{work}/out_{i}.safetensors"
        got, error = run_harness(ltdet, ["loss", "--method", method, "--in", path_in, "--out", path_out,
                                         "--options", json.dumps(options)], tensors, path_in, path_out)
        if error:
            print(f"FAIL case {i} {info}: {error}")
            failures += 1
            continue
        want = reference(method, tensors, options)
        COVERAGE["no_positives"] += int(info["mix"] == "all_background")
        COVERAGE["float64"] += int(info["dtype"] == "float64")
        COVERAGE["extreme"] += int(np.abs(tensors["cls_score"]).max() >= 300)
        problems = output_problems(got, want, lambda k, g, w: compare(k, g, w, info["dtype"]),
                                   extra_keys=lambda k: k.startswith("loss"))
        if problems:
            failures += 1
            print(f"FAIL case {i} {info} {options}: " + "; ".join(problems))
    print(f"losses: {cases - failures}/{cases} cases match (seed {seed}); coverage {COVERAGE}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
