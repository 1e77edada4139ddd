"""Forward + backward time of each classification loss, C = 1203, N = 1024, float32: LTDet (`ltdet dev loss
--repeat`) against the PyTorch reference formulas of scripts/reference/losses.py on the same libtorch
(Debian python3-torch), both at the same intra-op thread count. Prints medians and LTDet / PyTorch.

    python Benchmarks/losses/bench.py LTDET_BIN [THREADS] [REPEATS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from safetensors.numpy import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "reference"))
import losses as ref  # noqa: E402

C, N = 1203, 1024


def inputs(method, rng):
    base = method.replace("_pcb", "")
    width = C + (2 if base == "seesaw" else 1)
    y = np.where(rng.random(N) < 0.25, rng.integers(0, C, N), C).astype(np.int64)
    t = {"cls_score": rng.normal(0, 2, (N, width)).astype(np.float32), "labels": y,
         "epoch": np.array(20, dtype=np.int64)}
    options = {}
    if base == "seesaw":
        t["cum_samples"] = rng.integers(1, 5000, C + 1).astype(np.float32)
    if base == "eqlv2":
        pg, ng = rng.uniform(0, 50, C).astype(np.float32), rng.uniform(1, 200, C).astype(np.float32)
        t.update(pos_grad=pg, neg_grad=ng, pos_neg=pg / (ng + np.float32(1e-10)))
    if base == "ebl":
        m = rng.uniform(1e-3, 1, C + 1).astype(np.float32)
        m[C] = 0.01
        ids = np.where(y < C, rng.integers(0, 60, N), -1).astype(np.int64)
        ids = np.where(y < C, ids * 10000 + y, -1)  # an instance has one class
        t.update(mean_score=m, instance_ids=ids)
    if method.endswith("_pcb"):
        M = rng.uniform(0, 1, (C, C)).astype(np.float32)
        if base != "eqlv2":
            M /= M.sum(1, keepdims=True)
        t.update(confusion=M, confusion_count=np.ones(C, np.float32))
        options["pcb"] = {"momentum": 0.99, "start_epoch": 17}
    return t, options


def time_reference(method, t, options, repeats):
    ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        ref.reference(method, t, options)
        ms.append((time.perf_counter() - start) * 1e3)
    return statistics.median(ms)


def main():
    ltdet = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    print(f"C={C} N={N} float32, {threads} thread(s), {repeats} repeats, torch {torch.__version__}")
    print(f"{'method':<12} {'LTDet ms':>10} {'PyTorch ms':>11} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as work:
        for method in ref.METHODS:
            t, options = inputs(method, rng)
            path = os.path.join(work, "in.safetensors")
            save_file(t, path)
            run = subprocess.run([ltdet, "dev", "loss", "--method", method, "--in", path, "--out",
                                  os.path.join(work, "out.safetensors"), "--options", json.dumps(options),
                                  "--repeat", str(repeats)], capture_output=True, text=True, check=True,
                                 env={**os.environ, "LTDET_NUM_THREADS": str(threads)})
            ours = float(run.stdout.split("median_ms")[1].split()[0])
            theirs = time_reference(method, t, options, repeats)
            print(f"{method:<12} {ours:>10.3f} {theirs:>11.3f} {ours / theirs:>7.2f}")


if __name__ == "__main__":
    main()
