#!/usr/bin/env python3
"""Writes the Torch test fixtures from real PyTorch (Debian's python3-torch), so the expected values in the
Swift tests come from the reference implementation, never typed by hand.

Run:  .venv/bin/python scripts/reference/torch_fixtures.py Tests/TorchTests/Fixtures

- optim_reference.safetensors: initial parameters, the gradients of 4 steps, and the parameters after each
  step for torch.optim.SGD (momentum 0.9, weight decay 1e-4, with and without Nesterov, two groups with their
  own lr) and torch.optim.AdamW, in float64.
- python_written.safetensors: one tensor of every dtype, written by Python's safetensors package.
- python_written.pth: a torch.save'd state dict (zip format) with float32/float64/int64 tensors.
- state_dict_names.json: torchvision resnet18's state-dict names in order, to check Module naming.
- pth_*.pth: torch.save files as they occur in practice, each in the zip and the legacy format: a module's
  state_dict() (an OrderedDict), an mmdet checkpoint ({meta, state_dict, optimizer}), and a plain dict of
  fp16/bf16 tensors and views sharing one storage (slices, a transpose). pth_expected.safetensors holds
  every tensor they contain (contiguous), under "<file name without .pth>/<key>".
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file


def optim_fixture(out):
    g = torch.Generator().manual_seed(1234)
    shapes = [(3, 4), (5,), (2, 3, 3)]
    init = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    grads = [[torch.randn(s, generator=g, dtype=torch.float64) for s in shapes] for _ in range(4)]
    tensors = {}
    for i, p in enumerate(init):
        tensors[f"init.{i}"] = p
    for step, gs in enumerate(grads):
        for i, gr in enumerate(gs):
            tensors[f"grad.{step}.{i}"] = gr

    def run(name, make):
        params = [p.clone().requires_grad_(True) for p in init]
        opt = make(params)
        for step, gs in enumerate(grads):
            for p, gr in zip(params, gs):
                p.grad = gr.clone()
            opt.step()
            for i, p in enumerate(params):
                tensors[f"{name}.{step}.{i}"] = p.detach().clone()

    run("sgd", lambda ps: torch.optim.SGD(
        [{"params": ps[:2], "lr": 0.02}, {"params": ps[2:], "lr": 0.01, "weight_decay": 0.0}],
        lr=0.02, momentum=0.9, weight_decay=1e-4))
    run("sgd_nesterov", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3))
    run("adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.05))
    save_file(tensors, os.path.join(out, "optim_reference.safetensors"))


def dtype_fixture(out):
    g = torch.Generator().manual_seed(99)
    tensors = {
        "f64": torch.randn(2, 3, generator=g, dtype=torch.float64),
        "f32": torch.randn(4, generator=g),
        "f16": torch.randn(3, 2, generator=g).half(),
        "i64": torch.arange(-5, 7, dtype=torch.int64).reshape(3, 4),
        "i32": torch.arange(10, dtype=torch.int32),
        "u8": torch.arange(250, 256, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
    }
    save_file(tensors, os.path.join(out, "python_written.safetensors"))
    # The same values as JSON, for the Swift test to compare element by element. Numbers are written as
    # repr strings: Foundation's JSONSerialization on Linux does not round-trip every double exactly.
    values = {k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": [repr(x) for x in v.double().flatten().tolist()]}
              for k, v in tensors.items()}
    with open(os.path.join(out, "python_written.json"), "w") as f:
        json.dump(values, f, indent=1)
    torch.save({"conv.weight": tensors["f32"], "fc.bias": tensors["f64"], "steps": tensors["i64"]},
               os.path.join(out, "python_written.pth"))


def names_fixture(out):
    import torchvision
    model = torchvision.models.resnet18()
    with open(os.path.join(out, "resnet18_state_dict_names.json"), "w") as f:
        json.dump({k: list(v.shape) for k, v in model.state_dict().items()}, f, indent=0)


def pth_fixture(out):
    g = torch.Generator().manual_seed(7)
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                                 torch.nn.Linear(4, 2))
    with torch.no_grad():
        for t in module.state_dict().values():
            t.copy_(torch.randint(0, 50, t.shape, generator=g) if t.dtype == torch.int64 else torch.randn(t.shape, generator=g))
    state = module.state_dict()
    shared = torch.randn(20, generator=g)
    objects = {
        "state_dict": state,
        "mmdet": {"meta": {"mmdet_version": "2.28.2", "CLASSES": ("a", "b"), "epoch": 12, "iter": 3000,
                           "hook_msgs": {"last_ckpt": "work_dirs/x/epoch_12.pth"}},
                  "state_dict": state,
                  "optimizer": {"state": {0: {"momentum_buffer": torch.randn(4, generator=g)}},
                                "param_groups": [{"lr": 0.02, "momentum": 0.9, "nesterov": False, "params": [0, 1]}]}},
        "views": {"slice": shared[2:8], "matrix": shared.view(4, 5), "transposed": shared.view(4, 5).t(),
                  "strided": shared[1::3], "half": torch.randn(3, 2, generator=g).half(),
                  "bfloat": torch.randn(5, generator=g).bfloat16(), "scalar": torch.tensor(2.5)},
    }
    expected = {}
    for name, obj in objects.items():
        torch.save(obj, os.path.join(out, f"pth_{name}_zip.pth"))
        torch.save(obj, os.path.join(out, f"pth_{name}_legacy.pth"), _use_new_zipfile_serialization=False)
        tensors = obj["state_dict"] if "state_dict" in obj else obj
        for key, t in tensors.items():
            for kind in ["zip", "legacy"]:
                expected[f"pth_{name}_{kind}/{key}"] = t.contiguous().clone()
    save_file(expected, os.path.join(out, "pth_expected.safetensors"))


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/TorchTests/Fixtures"
    os.makedirs(out, exist_ok=True)
    optim_fixture(out)
    dtype_fixture(out)
    names_fixture(out)
    pth_fixture(out)
    print("wrote fixtures to", out)
