"""LTDet's Mask R-CNN parts against references on fresh random inputs (driven by check_model.sh).

- torchvision (identical weights): ResNet-50 (frozen BN) + FPN features (torchvision.ops.FeaturePyramidNetwork
  with LastLevelMaxPool, mapped to mmdet names), roi_align values and input gradients, nms and batched_nms keep sets (batched_nms at a small size, where
  torchvision offsets the classes' coordinates, and at a test-time box head's size, where it loops over classes).
- An independent implementation of mmdet 2.x's formulas written here: anchors and valid flags
  (AnchorGenerator), DeltaXYWHBBoxCoder encode/decode, MaxIoUAssigner, and the RoI level mapping.

usage: model_reference_check.py LTDET_BIN WORK_DIR SEED"""
import math
import subprocess
import sys

import numpy as np
import torch
import torchvision
from safetensors.torch import load_file, save_file
from torchvision.ops import feature_pyramid_network as tv_fpn

failures = []


def report(name, ok, detail):
    print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)


def rel_diff(a, b):
    return (a.double() - b.double()).abs().max().item() / max(b.double().abs().max().item(), 1e-12)


# ---- torchvision references -------------------------------------------------------------------------

def backbone_inputs(g):
    backbone = torchvision.models.resnet50(norm_layer=torchvision.ops.misc.FrozenBatchNorm2d)
    # Random statistics and affine parameters so that frozen BN is not the identity.
    for name, buf in backbone.named_buffers():
        if name.endswith("running_mean"):
            buf.copy_(torch.randn(buf.shape, generator=g) * 0.1)
        elif name.endswith("running_var"):
            buf.copy_(torch.rand(buf.shape, generator=g) + 0.5)
        elif name.endswith("weight"):
            buf.copy_(torch.rand(buf.shape, generator=g) * 0.5 + 0.5)
        elif name.endswith("bias"):
            buf.copy_(torch.randn(buf.shape, generator=g) * 0.1)
    fpn = torchvision.ops.FeaturePyramidNetwork([256, 512, 1024, 2048], 256, extra_blocks=tv_fpn.LastLevelMaxPool())
    for p in fpn.parameters():
        p.data.copy_(torch.randn(p.shape, generator=g) * 0.02)
    backbone.eval()
    fpn.eval()
    weights = {f"backbone.{k}": v.contiguous() for k, v in backbone.state_dict().items() if not k.startswith("fc.")}
    for k, v in fpn.state_dict().items():
        block, i, _, kind = k.split(".")
        name = {"inner_blocks": "lateral_convs", "layer_blocks": "fpn_convs"}[block]
        weights[f"neck.{name}.{i}.conv.{kind}"] = v.contiguous()
    images = torch.randn(2, 3, 128, 160, generator=g)
    with torch.no_grad():
        x = backbone.maxpool(backbone.relu(backbone.bn1(backbone.conv1(images))))
        cs = []
        for layer in [backbone.layer1, backbone.layer2, backbone.layer3, backbone.layer4]:
            x = layer(x)
            cs.append(x)
        ps = list(fpn({str(i): c for i, c in enumerate(cs)}).values())
    expected = {f"c{i + 2}": c for i, c in enumerate(cs)}
    expected.update({f"p{i + 2}": p for i, p in enumerate(ps)})
    return {"images": images}, weights, expected


def roi_align_inputs(g):
    feats = torch.randn(2, 5, 24, 32, generator=g, dtype=torch.float32)
    k = 40
    xy = torch.rand(k, 2, generator=g) * torch.tensor([120.0, 90.0])
    wh = torch.rand(k, 2, generator=g) * 60 + 0.5
    rois = torch.cat([torch.randint(0, 2, (k, 1), generator=g).float(), xy, xy + wh], dim=1)
    size, scale, ratio = 7, 0.25, 0
    grad_out = torch.randn(k, 5, size, size, generator=g)
    x = feats.clone().requires_grad_(True)
    pooled = torchvision.ops.roi_align(x, rois, (size, size), scale, ratio, aligned=True)
    (pooled * grad_out).sum().backward()
    inputs = {
        "roi_align.features": feats, "roi_align.rois": rois, "roi_align.grad_output": grad_out,
        "roi_align.output_size": torch.tensor(float(size)), "roi_align.spatial_scale": torch.tensor(scale),
        "roi_align.sampling_ratio": torch.tensor(float(ratio)), "roi_align.aligned": torch.tensor(1.0),
    }
    return inputs, {"roi_align.pooled": pooled.detach(), "roi_align.grad_input": x.grad}


def random_boxes(g, n, extent=100.0, max_side=40.0):
    xy = torch.rand(n, 2, generator=g) * extent
    return torch.cat([xy, xy + torch.rand(n, 2, generator=g) * max_side + 1], dim=1)


def nms_inputs(g):
    boxes, scores = random_boxes(g, 300, extent=60), torch.rand(300, generator=g)
    classes = torch.randint(0, 7, (300,), generator=g)
    bboxes, bscores = random_boxes(g, 300, extent=40), torch.rand(300, generator=g)
    # Large: a test-time box head's candidates (600 RoIs x 20 classes), where torchvision's batched_nms runs
    # its per-class loop instead of the coordinate-offset trick (numel > 4000 on the CPU). Distinct scores:
    # that loop orders the kept boxes with an unstable sort, so tied scores could come out in either order.
    lboxes = random_boxes(g, 12000, extent=300, max_side=80)
    lscores = (torch.randperm(12000, generator=g).float() + 1) / 12001
    lclasses = torch.randint(0, 20, (12000,), generator=g)
    inputs = {
        "nms.boxes": boxes, "nms.scores": scores, "nms.iou_threshold": torch.tensor(0.5),
        "batched_nms.boxes": bboxes, "batched_nms.scores": bscores, "batched_nms.classes": classes,
        "batched_nms.iou_threshold": torch.tensor(0.6),
        "batched_nms_large.boxes": lboxes, "batched_nms_large.scores": lscores, "batched_nms_large.classes": lclasses,
        "batched_nms_large.iou_threshold": torch.tensor(0.5),
    }
    expected = {
        "nms.keep": torchvision.ops.nms(boxes, scores, 0.5),
        "batched_nms.keep": torchvision.ops.batched_nms(bboxes, bscores, classes, 0.6),
        "batched_nms_large.keep": torchvision.ops.batched_nms(lboxes, lscores, lclasses, 0.5),
    }
    return inputs, expected


# ---- mmdet 2.x formulas, written out here -------------------------------------------------------------

def mmdet_anchors(strides, scales, ratios, sizes, valid_size):
    levels, flags = [], []
    for stride, (h, w) in zip(strides, sizes):
        base = []
        for r in ratios:  # ratio-major, scale-minor
            for s in scales:
                bw = stride * (1 / math.sqrt(r)) * s
                bh = stride * math.sqrt(r) * s
                base.append([-0.5 * bw, -0.5 * bh, 0.5 * bw, 0.5 * bh])
        base = np.array(base)
        rows = []
        for y in range(h):
            for x in range(w):
                rows.append(base + np.array([x * stride, y * stride, x * stride, y * stride]))
        levels.append(np.concatenate(rows) if rows else np.zeros((0, 4)))
        vh = min(int(math.ceil(valid_size[0] / stride)), h)
        vw = min(int(math.ceil(valid_size[1] / stride)), w)
        flags.append(np.array([y < vh and x < vw for y in range(h) for x in range(w) for _ in base]))
    return levels, flags


def mmdet_encode(p, t, stds):
    px, py, pw, ph = (p[:, 0] + p[:, 2]) / 2, (p[:, 1] + p[:, 3]) / 2, p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    gx, gy, gw, gh = (t[:, 0] + t[:, 2]) / 2, (t[:, 1] + t[:, 3]) / 2, t[:, 2] - t[:, 0], t[:, 3] - t[:, 1]
    d = np.stack([(gx - px) / pw, (gy - py) / ph, np.log(gw / pw), np.log(gh / ph)], axis=1)
    return d / np.array(stds)


def mmdet_decode(p, deltas, stds, max_shape, wh_ratio_clip=16 / 1000):
    n = deltas.shape[0]
    d = deltas.reshape(n, -1, 4) * np.array(stds)
    limit = abs(math.log(wh_ratio_clip))
    px, py = ((p[:, 0] + p[:, 2]) / 2)[:, None], ((p[:, 1] + p[:, 3]) / 2)[:, None]
    pw, ph = (p[:, 2] - p[:, 0])[:, None], (p[:, 3] - p[:, 1])[:, None]
    gw = pw * np.exp(np.clip(d[..., 2], -limit, limit))
    gh = ph * np.exp(np.clip(d[..., 3], -limit, limit))
    gx, gy = px + pw * d[..., 0], py + ph * d[..., 1]
    h, w = max_shape
    out = np.stack([np.clip(gx - gw / 2, 0, w), np.clip(gy - gh / 2, 0, h),
                    np.clip(gx + gw / 2, 0, w), np.clip(gy + gh / 2, 0, h)], axis=2)
    return out.reshape(n, -1)


def iou_matrix(a, b):
    a, b = a.astype(np.float32), b.astype(np.float32)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, np.float32(1e-6))


def mmdet_assign(boxes, gts, labels, pos, neg, min_pos, assign_all, low_quality):
    overlaps = iou_matrix(gts, boxes)  # G x N
    n = boxes.shape[0]
    assigned = np.full(n, -1)
    max_ov, argmax = overlaps.max(0), overlaps.argmax(0)
    assigned[(max_ov >= 0) & (max_ov < neg)] = 0
    assigned[max_ov >= pos] = argmax[max_ov >= pos] + 1
    if low_quality:
        gt_max, gt_arg = overlaps.max(1), overlaps.argmax(1)
        for i in range(gts.shape[0]):
            if gt_max[i] >= min_pos:
                if assign_all:
                    assigned[overlaps[i] == gt_max[i]] = i + 1
                else:
                    assigned[gt_arg[i]] = i + 1
    out_labels = np.full(n, -1)
    out_labels[assigned > 0] = labels[assigned[assigned > 0] - 1]
    return assigned, out_labels


def formula_inputs(g, rng):
    strides, scales, ratios = [4, 8, 16, 32, 64], [8.0, 4.0], [0.5, 1.0, 2.0]
    sizes = [(int(rng.integers(1, 12)), int(rng.integers(1, 12))) for _ in strides]
    valid = (int(rng.integers(1, 48)), int(rng.integers(1, 48)))
    props = random_boxes(g, 64).numpy().astype(np.float64)
    targets = random_boxes(g, 64).numpy().astype(np.float64)
    deltas = (torch.randn(64, 12, generator=g) * 2).numpy().astype(np.float64)  # 3 boxes per row
    stds = [0.1, 0.1, 0.2, 0.2]
    boxes = random_boxes(g, 500, extent=120).numpy()
    gts = random_boxes(g, 6, extent=120).numpy()
    gt_labels = rng.integers(0, 10, 6)
    thresholds = [0.7, 0.3, 0.3, 1.0, 1.0]
    rois = torch.cat([torch.zeros(200, 1), random_boxes(g, 200, extent=600, max_side=800)], 1).numpy()
    inputs = {
        "anchors.strides": torch.tensor(strides), "anchors.scales": torch.tensor(scales, dtype=torch.float64),
        "anchors.ratios": torch.tensor(ratios, dtype=torch.float64),
        "anchors.feature_sizes": torch.tensor([v for s in sizes for v in s]), "anchors.valid_size": torch.tensor(valid),
        "coder.proposals": torch.tensor(props, dtype=torch.float32), "coder.targets": torch.tensor(targets, dtype=torch.float32),
        "coder.deltas": torch.tensor(deltas, dtype=torch.float32), "coder.stds": torch.tensor(stds, dtype=torch.float64),
        "coder.max_shape": torch.tensor([90, 110]),
        "assign.boxes": torch.tensor(boxes), "assign.gt_boxes": torch.tensor(gts),
        "assign.gt_labels": torch.tensor(gt_labels), "assign.thresholds": torch.tensor(thresholds, dtype=torch.float64),
        "levels.rois": torch.tensor(rois, dtype=torch.float32),
    }
    levels, flags = mmdet_anchors(strides, scales, ratios, sizes, valid)
    expected = {f"anchors.level{i}": torch.tensor(a) for i, a in enumerate(levels)}
    expected.update({f"anchors.valid{i}": torch.tensor(f) for i, f in enumerate(flags)})
    p32, t32, d32 = (x.astype(np.float32).astype(np.float64) for x in (props, targets, deltas))
    expected["coder.encoded"] = torch.tensor(mmdet_encode(p32, t32, stds))
    expected["coder.decoded"] = torch.tensor(mmdet_decode(p32, d32, stds, (90, 110)))
    gi, lab = mmdet_assign(boxes, gts, gt_labels, *thresholds[:3], True, True)
    expected["assign.gt_indices"], expected["assign.labels"] = torch.tensor(gi), torch.tensor(lab)
    scale = np.sqrt((rois[:, 3] - rois[:, 1]).astype(np.float64) * (rois[:, 4] - rois[:, 2]))
    raw = np.log2(scale / 56 + 1e-6)
    expected["levels.levels"] = torch.tensor(np.clip(np.floor(raw), 0, 3).astype(np.int64))
    expected["levels.raw"] = torch.tensor(raw)
    return inputs, expected


def main():
    ltdet, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    torch.set_num_threads(2)
    inputs, expected = {}, {}
    b_in, weights, b_exp = backbone_inputs(g)
    for part in [(b_in, b_exp), roi_align_inputs(g), nms_inputs(g), formula_inputs(g, rng)]:
        inputs.update(part[0])
        expected.update(part[1])
    save_file({k: v.contiguous() for k, v in inputs.items()}, f"{work}/in.safetensors")
    save_file(weights, f"{work}/weights.safetensors")
    subprocess.run([ltdet, "dev", "model-check", "--in", f"{work}/in.safetensors", "--weights",
                    f"{work}/weights.safetensors", "--out", f"{work}/out.safetensors"], check=True)
    got = load_file(f"{work}/out.safetensors")

    for name in [f"c{i}" for i in range(2, 6)] + [f"p{i}" for i in range(2, 7)]:
        d = rel_diff(got[name], expected[name])
        report(f"ResNet-50+FPN {name} {list(expected[name].shape)}", d < 1e-4 and got[name].shape == expected[name].shape,
               f"max |diff| / max |ref| = {d:.2e}")
    for name in ["roi_align.pooled", "roi_align.grad_input"]:
        d = (got[name] - expected[name]).abs().max().item()
        report(name, d < 1e-4, f"max |diff| = {d:.2e}")
    for name in ["nms.keep", "batched_nms.keep", "batched_nms_large.keep"]:
        a, b = got[name].tolist(), expected[name].tolist()
        report(name, a == b, f"{len(a)} kept, torchvision {len(b)}, identical order: {a == b}")
    anchor_diff = max((got[k] - expected[k]).abs().max().item() if expected[k].numel() else 0.0
                      for k in expected if k.startswith("anchors.level"))
    report("anchors", anchor_diff < 1e-3, f"max |diff| = {anchor_diff:.2e} px over {sum(1 for k in expected if k.startswith('anchors.level'))} levels")
    flags_ok = all(got[k].tolist() == expected[k].tolist() for k in expected if k.startswith("anchors.valid"))
    report("anchor valid flags", flags_ok, "identical" if flags_ok else "differ")
    for name, tol in [("coder.encoded", 1e-4), ("coder.decoded", 1e-3)]:
        d = (got[name].double() - expected[name]).abs().max().item()
        report(name, d < tol, f"max |diff| = {d:.2e}")
    for name in ["assign.gt_indices", "assign.labels"]:
        same = (got[name] == expected[name]).float().mean().item()
        report(name, same == 1.0, f"{same * 100:.2f}% equal over {expected[name].numel()} boxes")
    # Float32 vs float64 may round a RoI sitting exactly on a level boundary either way: skip those.
    clear = (expected["levels.raw"] - expected["levels.raw"].round()).abs() > 1e-4
    same = (got["levels.levels"][clear] == expected["levels.levels"][clear]).all().item()
    report("roi levels", same, f"{int(clear.sum())} RoIs, levels identical: {same}")
    if failures:
        print(f"check_model: {len(failures)} FAILED: {', '.join(failures)}")
        sys.exit(1)
    print("check_model: all parts match")


if __name__ == "__main__":
    main()
