"""The classifier of a fresh box head against the originals' initialisation, through `ltdet dev box-head --fresh`.

    python initial_logits.py LTDET_BIN WORKDIR SEED

The rules, from the original heads (read for facts, not copied):
- tztztztztz/eqlv2 and megvii-research/PCB `ConvFCBBoxHead.init_weights`: when the loss uses sigmoids (EQL v2,
  CrossEntropyLoss(use_sigmoid=True)) `normal_init(fc_cls, std=0.01, bias=bias_init_with_prob(0.001))`, where
  mmcv's `bias_init_with_prob(p) = float(-np.log((1 - p) / p))`;
- mmdet `BBoxHead` otherwise (softmax): fc_cls N(0, 0.01), bias 0.

For each loss this checks the bias exactly (float32 of mmcv's float64 value), that the weights are a plausible
N(0, 0.01) sample (mean and standard deviation within 6 standard errors), and that the test-time logits LTDet
computes for random RoI features equal the head's formula (two shared FCs with ReLU, then fc_cls) applied to the
weights it reports, to 1e-5 relative; for the sigmoid losses it prints the mean initial probability.
"""
import json
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file, save_file

PRIOR = 0.001
CASES = [  # name, loss_cls config, sigmoid prior expected
    ("softmax", {"type": "CrossEntropyLoss"}, False),
    ("sigmoid", {"type": "CrossEntropyLoss", "use_sigmoid": True}, True),
    ("eqlv2", {"type": "EQLv2"}, True),
]


def mmcv_bias_init_with_prob(p):
    return float(-np.log((1 - p) / p))


def main():
    ltdet, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(seed)
    failures = []
    for name, loss_cls, sigmoid in CASES:
        C, cin, fc, K = int(rng.integers(50, 400)), 16, 64, 32
        config = {"model": {"num_classes": C, "neck": {"out_channels": cin},
                            "roi_head": {"type": "StandardRoIHead",
                                         "bbox_head": {"roi_feat_size": 7, "fc_out_channels": fc, "loss_cls": loss_cls}}}}
        tensors = {"roi_features": rng.normal(0, 1, (K, cin, 7, 7)).astype(np.float32),
                   "labels": np.full(K, C, dtype=np.int64), "bbox_targets": np.zeros((K, 4), np.float32)}
        paths = [f"{work}/{name}.{ext}" for ext in ("json", "in.safetensors", "out.safetensors")]
        with open(paths[0], "w") as f:
            json.dump(config, f)
        save_file(tensors, paths[1])
        run = subprocess.run([ltdet, "dev", "box-head", "--fresh", "--config", paths[0], "--in", paths[1], "--out", paths[2]],
                             capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"{name}: ltdet exited {run.returncode}: {run.stderr.strip()}")
            continue
        got = load_file(paths[2])
        w, b = got["init.bbox_head.fc_cls.weight"].astype(np.float64), got["init.bbox_head.fc_cls.bias"]
        want_bias = np.float32(mmcv_bias_init_with_prob(PRIOR) if sigmoid else 0.0)
        if not np.all(b == want_bias):
            failures.append(f"{name}: fc_cls bias {np.unique(b)[:4]} (want {want_bias} everywhere)")
        n = w.size
        if abs(w.mean()) > 6 * 0.01 / np.sqrt(n) or abs(w.std() - 0.01) > 6 * 0.01 / np.sqrt(2 * n):
            failures.append(f"{name}: fc_cls weight mean {w.mean():.3g} std {w.std():.5g} over {n} values is not N(0, 0.01)")

        x = torch.from_numpy(tensors["roi_features"]).flatten(1)
        for i in range(2):
            x = F.linear(x, *(torch.from_numpy(got[f"init.bbox_head.shared_fcs.{i}.{p}"]) for p in ("weight", "bias"))).relu()
        want = F.linear(x, torch.from_numpy(got["init.bbox_head.fc_cls.weight"]), torch.from_numpy(b)).numpy()
        err = np.abs(got["logits"] - want).max() / max(np.abs(want).max(), 1e-12)
        if err > 1e-5:
            failures.append(f"{name}: initial logits differ from the head's formula (relative error {err:.3g})")
        if sigmoid:
            print(f"initial_logits: {name}: mean initial sigmoid {1 / (1 + np.exp(-want)).mean():.6f} (prior {PRIOR})")
    for f in failures:
        print(f"FAIL {f}")
    print(f"initial_logits: {len(CASES) - len({f.split(':')[0] for f in failures})}/{len(CASES)} classifiers start as the originals (seed {seed})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
