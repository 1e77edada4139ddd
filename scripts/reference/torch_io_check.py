#!/usr/bin/env python3
"""Cross-checks tensor files between Python and LTDet: Python writes random tensors of every dtype as
safetensors and as a torch.save'd state dict, `ltdet dev tensor-io` reads each and writes them back doubled,
and Python verifies the values with real PyTorch. Usage: torch_io_check.py LTDET_BIN WORKDIR SEED"""
import os
import subprocess
import sys

import torch
from safetensors.torch import load_file, save_file

ltdet, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
g = torch.Generator().manual_seed(seed)
tensors = {
    "backbone.layer1.0.conv1.weight": torch.randn(8, 4, 3, 3, generator=g),
    "head.fc.bias": torch.randn(5, generator=g, dtype=torch.float64),
    "half": torch.randn(3, 7, generator=g).half(),
    "counts": torch.randint(-1000, 1000, (11,), generator=g),
    "i32": torch.randint(-100, 100, (2, 3), generator=g).int(),
    "bytes": torch.randint(0, 120, (6,), generator=g).to(torch.uint8),
    "flags": torch.rand(9, generator=g) > 0.5,
    "scalar": torch.tensor(float(seed % 97)),
}
failures = 0
for kind in ["safetensors", "pth"]:
    src = os.path.join(work, f"from_python.{kind}")
    dst = os.path.join(work, f"from_swift_{kind}.safetensors")
    if kind == "safetensors":
        save_file(tensors, src)
    else:
        torch.save(tensors, src)
    subprocess.run([ltdet, "dev", "tensor-io", "--in", src, "--out", dst], check=True)
    back = load_file(dst)
    for name, t in tensors.items():
        expected = ~t if t.dtype == torch.bool else (t * 2).to(t.dtype)
        got = back.get(name)
        if got is None or got.dtype != expected.dtype or got.shape != expected.shape or not torch.equal(got, expected):
            print(f"MISMATCH {kind} {name}: expected {expected}, got {got}")
            failures += 1
print(f"tensor io ({len(tensors)} tensors x 2 formats, seed {seed}): {'ok' if failures == 0 else f'{failures} mismatches'}")
sys.exit(1 if failures else 0)
