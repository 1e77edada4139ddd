"""An independent implementation of LOCE's MFS box jitter and class/entry sampler (written from fcjian/LOCE
mmdet/models/utils/mfs.py as described in docs/methods.md), compared with `ltdet dev mfs` on the same draws.

    python mfs.py LTDET_BIN WORKDIR SEED [CASES]

Each case draws ground-truth boxes (some at the image border, some tiny or image-sized, so clamping happens),
a 4 x 16 uniform matrix and an image size, and compares the jittered boxes (1e-4 px in float32) and the sign
patterns (exactly); then mean scores (C up to 1203, some zero) with class draws and memory entry draws, and
compares the probabilities (1e-12 relative), the drawn classes and entries (exactly). Last, a chi-square test
of each sampler's distribution over many draws (p > 1e-4 for each of a few distributions; zero mean scores are in the exact cases): the harness maps
draws to classes, the test checks that the classes follow 1 / (m + 1e-7). Exits 1 on any mismatch.
"""
import subprocess
import sys

import numpy as np
import torch
from safetensors.numpy import load_file, save_file


def offset_signs():
    """LOCE's 4 x 16 offset matrix: row i is blocks of -1 then +1 of length 8, 4, 2, 1."""
    rows = []
    for k in (8, 4, 2, 1):
        rows.append(([-1.0] * k + [1.0] * k) * (16 // (2 * k)))
    return np.array(rows, dtype=np.float32)


def jitter(boxes, uniforms, height, width):
    """(M*16) x 4: each corner moved by sign * u * side / 6, clamped to [0, W-1] x [0, H-1]."""
    b = torch.from_numpy(boxes)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    offsets = torch.from_numpy(offset_signs()) * torch.from_numpy(uniforms) / 6.0
    moved = b.unsqueeze(-1) + offsets.unsqueeze(0) * torch.stack([w, h, w, h], -1).unsqueeze(-1)
    moved = moved.permute(0, 2, 1)
    limits = torch.tensor([width - 1, height - 1, width - 1, height - 1], dtype=b.dtype)
    moved = torch.maximum(torch.minimum(moved, limits), torch.zeros_like(limits))
    return moved.reshape(-1, 4).numpy()


def probabilities(mean_scores):
    inv = 1.0 / (mean_scores[:-1] + 1e-7)
    return inv / inv.sum()


def classes(p, draws):
    """Inverse transform with sorted draws: class c covers (F(c-1), F(c)]."""
    cdf = np.cumsum(p)
    picked = np.searchsorted(cdf, np.sort(draws), side="left")
    return picked[picked < len(p)]


def entries(draws, filled):
    return np.minimum(np.floor(draws * filled).astype(np.int64), filled - 1)


def run_harness(binary, work, name, tensors):
    src, dst = f"{work}/{name}.in.safetensors", f"{work}/{name}.out.safetensors"
    save_file(tensors, src)
    subprocess.run([binary, "dev", "mfs", "--in", src, "--out", dst], check=True, capture_output=True)
    return load_file(dst)


def chi_square_p(observed, expected):
    """p-value of Pearson's statistic with len - 1 degrees of freedom (regularised upper gamma)."""
    stat = float(((observed - expected) ** 2 / expected).sum())
    df = len(observed) - 1
    return float(torch.special.gammaincc(torch.tensor(df / 2.0, dtype=torch.float64),
                                         torch.tensor(stat / 2.0, dtype=torch.float64))), stat


def main():
    binary, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    rng = np.random.default_rng(seed)
    failures = []
    clamped = 0
    for case in range(cases):
        height, width = int(rng.integers(32, 900)), int(rng.integers(32, 900))
        m = int(rng.integers(1, 9))
        x1 = rng.uniform(-5, width * 0.9, m)
        y1 = rng.uniform(-5, height * 0.9, m)
        boxes = np.stack([x1, y1, x1 + rng.uniform(1, width, m), y1 + rng.uniform(1, height, m)], 1).astype(np.float32)
        if case % 4 == 0:  # an image-sized box: every outward move is clamped
            boxes[0] = [0, 0, width - 1, height - 1]
        uniforms = rng.random((4, 16), dtype=np.float32)
        c = int(rng.choice([3, 20, 1203]))
        scores = rng.uniform(0, 1, c + 1)
        scores[rng.random(c + 1) < 0.1] = 0.0
        scores[-1] = 0.01
        class_draws = rng.random(int(rng.integers(1, 16)))
        filled = int(rng.integers(1, 81))
        entry_draws = rng.random(int(rng.integers(1, 9)))
        got = run_harness(binary, work, f"case{case}", {
            "boxes": boxes, "uniforms": uniforms, "image_size": np.array([height, width], dtype=np.int64),
            "mean_scores": scores, "class_uniforms": class_draws,
            "entry_uniforms": entry_draws, "filled": np.array(filled, dtype=np.int64)})
        want = jitter(boxes, uniforms, height, width)
        xs, ys = want[:, [0, 2]], want[:, [1, 3]]
        clamped += int(((xs <= 0) | (xs >= width - 1)).any() or ((ys <= 0) | (ys >= height - 1)).any())
        if not np.array_equal(got["signs"], offset_signs()):
            failures.append(f"case {case}: sign patterns differ")
        if got["jittered"].shape != want.shape or np.abs(got["jittered"] - want).max() > 1e-4:
            failures.append(f"case {case}: jittered boxes differ by {np.abs(got['jittered'] - want).max()}")
        p = probabilities(scores)
        if np.abs(got["probabilities"] - p).max() > 1e-12 * max(1.0, p.max()):
            failures.append(f"case {case}: probabilities differ")
        if not np.array_equal(got["classes"], classes(p, class_draws)):
            failures.append(f"case {case}: classes {got['classes']} vs {classes(p, class_draws)}")
        if not np.array_equal(got["entries"], entries(entry_draws, filled)):
            failures.append(f"case {case}: entries {got['entries']} vs {entries(entry_draws, filled)}")

    # Distributions: many draws through the harness, compared with the probabilities computed here.
    draws = 200_000
    for name, scores in [("skewed", np.r_[np.geomspace(1e-3, 0.9, 12), 0.01]),
                         ("random", np.r_[rng.uniform(0.01, 1, 40), 0.01]),
                         ("uniform", np.r_[np.full(6, 0.3), 0.01])]:
        got = run_harness(binary, work, f"chi_{name.replace(' ', '_')}", {
            "mean_scores": scores, "class_uniforms": rng.random(draws)})
        p = probabilities(scores)
        observed = np.bincount(got["classes"], minlength=len(p)).astype(np.float64)
        keep = p * draws >= 5  # Pearson's test needs expected counts of at least ~5 per cell
        pv, stat = chi_square_p(observed[keep], p[keep] * observed[keep].sum())
        print(f"chi-square classes ({name}): statistic {stat:.1f}, {keep.sum() - 1} dof, p = {pv:.3f}")
        if pv < 1e-4 or observed.sum() < draws - 1:
            failures.append(f"class distribution '{name}': p = {pv}, {observed.sum()} of {draws} drawn")
    filled = 37
    got = run_harness(binary, work, "chi_entries", {"entry_uniforms": rng.random(draws), "filled": np.array(filled)})
    observed = np.bincount(got["entries"], minlength=filled).astype(np.float64)
    pv, stat = chi_square_p(observed, np.full(filled, draws / filled))
    print(f"chi-square entries (uniform over {filled}): statistic {stat:.1f}, {filled - 1} dof, p = {pv:.3f}")
    if pv < 1e-4:
        failures.append(f"entry distribution: p = {pv}")

    print(f"mfs: {cases} cases ({clamped} with clamped corners), {len(failures)} failures")
    for f in failures[:20]:
        print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
