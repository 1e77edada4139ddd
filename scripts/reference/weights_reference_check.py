#!/usr/bin/env python3
"""Real PyTorch files in and out of LTDet (driven by check_weights.sh), on fresh random weights:

1. torch.save files as they occur (zip and legacy format; a module's OrderedDict state_dict, an mmdet
   checkpoint {meta, state_dict, optimizer}, fp16/bf16 tensors and views sharing a storage) read by
   `ltdet dev tensor-io`, which writes every tensor back doubled; the values are checked here.
2. `pretrained: torchvision://resnet50` and `torchvision://resnext101_32x8d`: torchvision's state dicts saved
   where torchvision downloads them ($TORCH_HOME/hub/checkpoints/<name>-<hash>.pth); LTDet's C2..C5 features on
   a random image must equal torchvision's for the same weights.
3. MMDetection checkpoints: an mmdet 2.x Mask R-CNN R50-FPN checkpoint for LVIS (1203 classes) is built here
   with mmdet's module names (mirrored from mmdet 2.x's ResNet, FPN, RPNHead, Shared2FCBBoxHead and
   FCNMaskHead; mmdet itself is not installed), then `ltdet export --config <the LVIS baseline> --format mmdet`
   loads it into LTDet's model (failing on any missing, unexpected or mis-shaped name) and writes it back:
   torch.load must give the same tensors. `--format torchvision` must load into torchvision.models.resnet50.

usage: weights_reference_check.py LTDET_BIN WORK_DIR SEED"""
import os
import subprocess
import sys
from collections import OrderedDict

import torch
import torchvision
from safetensors.torch import load_file, save_file

ltdet, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
g = torch.Generator().manual_seed(seed)
failures = []


def report(name, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    if not ok:
        failures.append(name)


def randomize(module):
    """Random weights and BatchNorm statistics, so that no layer is the identity."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if t.dtype == torch.int64:
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif name.endswith(("running_mean", "bias")):
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
            elif name.endswith("weight") and t.dim() == 1:
                t.copy_(1 + torch.randn(t.shape, generator=g) * 0.1)
            else:
                t.copy_(torch.randn(t.shape, generator=g) * (2.0 / max(1, t[0].numel())) ** 0.5)
    return module


def run(*args, env=None):
    subprocess.run([ltdet, *args], check=True, env=env, stdout=subprocess.DEVNULL)


# ---- 1. file formats ------------------------------------------------------------------------------------

small = randomize(torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.Linear(8, 4)))
shared = torch.randn(30, generator=g)
variants = {
    "state_dict": small.state_dict(),
    "mmdet": {"meta": {"mmdet_version": "2.28.2", "CLASSES": ("a", "b"), "epoch": 2},
              "state_dict": small.state_dict(),
              "optimizer": {"state": {}, "param_groups": [{"lr": 0.02, "params": [0, 1, 2]}]}},
    "views": {"slice": shared[3:11], "matrix": shared.view(5, 6), "transposed": shared.view(5, 6).t(),
              "strided": shared[::4], "half": torch.randn(4, 3, generator=g).half(),
              "bfloat": torch.randn(7, generator=g).bfloat16()},
}
for name, obj in variants.items():
    tensors = obj["state_dict"] if "state_dict" in obj else obj
    for legacy in [False, True]:
        kind = "legacy" if legacy else "zip"
        src, dst = os.path.join(work, f"{name}_{kind}.pth"), os.path.join(work, f"{name}_{kind}.safetensors")
        torch.save(obj, src, _use_new_zipfile_serialization=not legacy)
        run("dev", "tensor-io", "--in", src, "--out", dst)
        back = load_file(dst)
        bad = [k for k, t in tensors.items()
               if k not in back or back[k].dtype != t.dtype or not torch.equal(back[k], (t * 2).to(t.dtype))]
        report(f"read {name} ({kind} format)", not bad and set(back) == set(tensors),
               f"{len(tensors)} tensors" + (f", wrong: {bad}" if bad else ""))

# ---- 2. torchvision://resnet50 -----------------------------------------------------------------------------

torch_home = os.path.join(work, "torch_home")
os.makedirs(os.path.join(torch_home, "hub", "checkpoints"))
images = torch.randn(1, 3, 64, 96, generator=g)
save_file({"images": images}, os.path.join(work, "images.safetensors"))
# torchvision's file names (name-<hash>.pth); ResNeXt-101 32x8d is depth 101 with 32 groups of width 8.
for name, file, options in [("resnet50", "resnet50-0676ba61.pth", ["--depth", "50"]),
                            ("resnext101_32x8d", "resnext101_32x8d-8ba56ff5.pth",
                             ["--depth", "101", "--groups", "32", "--base-width", "8"])]:
    resnet = randomize(getattr(torchvision.models, name)()).eval()
    torch.save(resnet.state_dict(), os.path.join(torch_home, "hub", "checkpoints", file))
    run("dev", "model-check", "--in", os.path.join(work, "images.safetensors"), "--weights", f"torchvision://{name}",
        *options, "--out", os.path.join(work, "features.safetensors"), env={**os.environ, "TORCH_HOME": torch_home})
    features = load_file(os.path.join(work, "features.safetensors"))
    with torch.no_grad():
        x = resnet.maxpool(resnet.relu(resnet.bn1(resnet.conv1(images))))
        expected = []
        for layer in [resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4]:
            x = layer(x)
            expected.append(x)
    for i, want in enumerate(expected):
        got = features[f"c{i + 2}"]
        diff = (got - want).abs().max().item() / want.abs().max().item()
        report(f"torchvision://{name} C{i + 2}", got.shape == want.shape and diff < 1e-4,
               f"max relative difference {diff:.2e}")

# ---- 3. mmdet checkpoints in and out -------------------------------------------------------------------------

class ConvModule(torch.nn.Module):  # mmcv's ConvModule without norm: the conv sits under `.conv`
    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, k, padding=k // 2)


class FPN(torch.nn.Module):
    def __init__(self, ins, out):
        super().__init__()
        self.lateral_convs = torch.nn.ModuleList(ConvModule(c, out, 1) for c in ins)
        self.fpn_convs = torch.nn.ModuleList(ConvModule(out, out, 3) for _ in ins)


class RPNHead(torch.nn.Module):
    def __init__(self, channels, anchors):
        super().__init__()
        self.rpn_conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.rpn_cls = torch.nn.Conv2d(channels, anchors, 1)  # sigmoid classification: one score per anchor
        self.rpn_reg = torch.nn.Conv2d(channels, anchors * 4, 1)


class Shared2FCBBoxHead(torch.nn.Module):
    def __init__(self, channels, roi, fc, classes):
        super().__init__()
        self.shared_fcs = torch.nn.ModuleList([torch.nn.Linear(channels * roi * roi, fc), torch.nn.Linear(fc, fc)])
        self.fc_cls = torch.nn.Linear(fc, classes + 1)
        self.fc_reg = torch.nn.Linear(fc, classes * 4)  # class-specific regression


class FCNMaskHead(torch.nn.Module):
    def __init__(self, channels, convs, classes):
        super().__init__()
        self.convs = torch.nn.ModuleList(ConvModule(channels, channels, 3) for _ in range(convs))
        self.upsample = torch.nn.ConvTranspose2d(channels, channels, 2, stride=2)
        self.conv_logits = torch.nn.Conv2d(channels, classes, 1)


class RoIHead(torch.nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.bbox_head = Shared2FCBBoxHead(256, 7, 1024, classes)
        self.mask_head = FCNMaskHead(256, 4, classes)


class MaskRCNN(torch.nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.backbone = torchvision.models.resnet50()  # mmdet's ResNet has torchvision's names
        del self.backbone.fc
        self.neck = FPN([256, 512, 1024, 2048], 256)
        self.rpn_head = RPNHead(256, 3)
        self.roi_head = RoIHead(classes)


detector = randomize(MaskRCNN(1203))
checkpoint = {"meta": {"mmdet_version": "2.28.2", "CLASSES": tuple(f"c{i}" for i in range(1203)), "epoch": 24,
                       "iter": 180000, "hook_msgs": {"last_ckpt": "work_dirs/x/epoch_24.pth"}},
              "state_dict": detector.state_dict(),
              "optimizer": {"state": {}, "param_groups": [{"lr": 0.0002, "momentum": 0.9, "params": [0]}]}}
mmdet_in, mmdet_out = os.path.join(work, "mmdet_in.pth"), os.path.join(work, "mmdet_out.pth")
torch.save(checkpoint, mmdet_in)
config = "configs/mask_rcnn/mask_rcnn_r50_fpn_random_mstrain_2x_lvis_v1.yaml"
run("export", "--config", config, "--format", "mmdet", mmdet_in, mmdet_out)
exported = torch.load(mmdet_out)
state = exported["state_dict"]
want = checkpoint["state_dict"]
wrong = [k for k in want if k not in state or not torch.equal(state[k], want[k])]
report("mmdet checkpoint -> ltdet export --format mmdet -> torch.load",
       isinstance(state, OrderedDict) and set(state) == set(want) and not wrong and "meta" in exported,
       f"{len(want)} tensors" + (f", differ: {wrong[:5]}" if wrong else "")
       + (f", names differ: {sorted(set(state) ^ set(want))[:5]}" if set(state) != set(want) else ""))
MaskRCNN(1203).load_state_dict(state)  # strict: every mmdet name and shape

tv_out = os.path.join(work, "resnet50_from_ltdet.pth")
run("export", "--format", "torchvision", mmdet_in, tv_out)
tv = torchvision.models.resnet50()
result = tv.load_state_dict(torch.load(tv_out), strict=False)
same = all(torch.equal(t, want["backbone." + k]) for k, t in tv.state_dict().items() if not k.startswith("fc."))
report("ltdet export --format torchvision -> torchvision resnet50",
       not result.unexpected_keys and all(k.startswith("fc.") for k in result.missing_keys) and same,
       f"missing {result.missing_keys}, unexpected {result.unexpected_keys}")

print(f"weights check (seed {seed}): {'ok' if not failures else f'{len(failures)} failed: {failures}'}")
sys.exit(1 if failures else 0)
