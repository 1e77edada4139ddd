"""An independent PyTorch implementation of RIO's object-level memory replay and cosine classifier (NVlabs/RIO,
projects/RIO/memory_bank), and a randomized comparison against `ltdet dev replay` and `ltdet dev box-head`.

    python rio.py LTDET_BIN WORKDIR SEED [CASES]

Replay cases draw C classes, a target-class source (an LVIS-style annotation file with sparse category ids and
the image-count rule, some categories without `image_count` so that the count comes from the annotations; or
a file of category ids read as id - 1), queue and replay sizes, newest or random selection, and a sequence of
steps of K rows (background, non-target and target positives, features, proposal and ground-truth boxes). The
memory below is RIO's `use_memory_cache` / `update_memory_bank`: per step, for each target class among the
positives (ascending), replay the newest min(replay, N) entries of its queue in queue order (or
torch.randperm(N)[:replay] from the step generator when random and N > replay), then push every target-class
positive in row order, dropping the oldest beyond the queue size. Compared: the target classes and every replayed
label exactly, the replayed features and final queues exactly (they are copies), and the regression targets
recomputed from the stored boxes (mmdet's DeltaXYWHBBoxCoder, means 0) to 1e-5 / 1e-10.

Cosine cases run one box-head step with `cls_predictor_cfg: {type: CosineSimilarityLinear, temperature: s}` and
the softmax loss: logits = s * (x / (|x| + 1e-5)) @ (g * v / |v|)^T, no bias (RIO's distLinear under
torch.nn.utils.weight_norm, dim 0); the loss terms, the gradients of their sum with respect to the RoI features
and every weight (weight_g and weight_v included), the scores and the deltas must match to 1e-5 / 1e-10.
Exits 1 on any mismatch.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from losses import compare, output_problems, run_harness  # noqa: E402

STDS = [0.1, 0.1, 0.2, 0.2]


def random_boxes(rng, n):
    xy = rng.uniform(0, 200, (n, 2))
    wh = rng.uniform(2, 120, (n, 2))
    return np.concatenate([xy, xy + wh], 1)


def encode(proposals, gts):
    pw, ph = proposals[:, 2] - proposals[:, 0], proposals[:, 3] - proposals[:, 1]
    px, py = proposals[:, 0] + 0.5 * pw, proposals[:, 1] + 0.5 * ph
    gw, gh = gts[:, 2] - gts[:, 0], gts[:, 3] - gts[:, 1]
    gx, gy = gts[:, 0] + 0.5 * gw, gts[:, 1] + 0.5 * gh
    d = torch.stack([(gx - px) / pw, (gy - py) / ph, torch.log(gw / pw), torch.log(gh / ph)], 1)
    # LTDet's coder holds its stds as float32 (0.1 rounded to float32, then widened), as mmdet's float32 runs do.
    return d / torch.tensor(STDS, dtype=torch.float32).to(d.dtype)


def target_classes(rng, C, work, i):
    """Writes the target-class source of a case; returns its options and the expected labels."""
    if rng.random() < 0.5:
        ids = np.sort(rng.choice(np.arange(1, 3 * C + 1), C, replace=False))
        counts = rng.integers(1, 60, C)
        listed = rng.random(C) < 0.8
        images, annotations = [], []
        for label, (cid, n) in enumerate(zip(ids, counts)):
            for j in range(int(n)):
                annotations.append({"id": len(annotations) + 1, "image_id": j + 1, "category_id": int(cid),
                                    "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0, "segmentation": [[1, 1, 6, 1, 6, 6]]})
        images = [{"id": j + 1, "height": 64, "width": 64, "file_name": f"{j}.jpg"} for j in range(int(counts.max()))]
        categories = []
        for cid, n, has in zip(ids, counts, listed):
            c = {"id": int(cid), "name": f"c{cid}", "frequency": "r" if n <= 10 else "c" if n <= 100 else "f"}
            if has:
                c["image_count"] = int(n)
            categories.append(c)
        path = f"{work}/ann_{i}.json"
        with open(path, "w") as f:
            json.dump({"images": images, "annotations": annotations, "categories": categories}, f)
        threshold = int(rng.integers(5, 50))
        return {"ann_file": path, "max_image_count": threshold}, sorted(np.nonzero(counts <= threshold)[0].tolist())
    labels = sorted(rng.choice(C, int(rng.integers(1, C + 1)), replace=False).tolist())
    path = f"{work}/targets_{i}.txt"
    with open(path, "w") as f:
        f.write("\n".join(str(l + 1) for l in rng.permutation(labels)) + "\n")
    return {"target_classes_file": path}, labels


def replay_case(rng, work, i):
    dtype = np.float64 if rng.random() < 0.3 else np.float32
    C = int(rng.integers(2, 30))
    options, targets = target_classes(rng, C, work, i)
    options.update(queue_size=int(rng.choice([3, 8, 60])), replay_size=int(rng.choice([1, 5, 20])),
                   random_select=bool(rng.random() < 0.4))
    F_ = int(rng.choice([4, 16]))
    steps = int(rng.integers(2, 9))
    seed = int(rng.integers(0, 2**31))
    t = {"steps": np.array(steps, np.int64), "seed": np.array(seed, np.int64)}
    for s in range(steps):
        K = int(rng.integers(1, 48))
        M = int(rng.integers(1, 6))
        gt_labels = rng.choice(targets, M) if targets and rng.random() < 0.7 else rng.integers(0, C, M)
        y = np.full(K, C)
        ids = np.full(K, -1)
        positive = rng.random(K) < 0.6
        ids[positive] = rng.integers(0, M, positive.sum())
        y[positive] = gt_labels[ids[positive]]
        t.update({f"s{s}.labels": y.astype(np.int64), f"s{s}.instance_ids": ids.astype(np.int64),
                  f"s{s}.shared": rng.normal(0, 1, (K, F_)).astype(dtype),
                  f"s{s}.proposals": random_boxes(rng, K).astype(dtype), f"s{s}.gt_boxes": random_boxes(rng, M).astype(dtype)})
    config = {"model": {"num_classes": C, "roi_head": {"long_tail": [dict(type="MemoryReplay", **options)]}}}
    info = dict(kind="replay", C=C, steps=steps, dtype=np.dtype(dtype).name, **{k: v for k, v in options.items() if "file" not in k})
    return t, config, targets, options, info


def replay_reference(t, C, targets, options):
    queues = {}
    generator = torch.Generator().manual_seed(int(t["seed"]))
    out = {"target_labels": np.array(targets, np.int64)}
    target = set(targets)
    for s in range(int(t["steps"])):
        y, ids = t[f"s{s}.labels"], t[f"s{s}.instance_ids"]
        shared = torch.from_numpy(t[f"s{s}.shared"])
        proposals, gts = torch.from_numpy(t[f"s{s}.proposals"]), torch.from_numpy(t[f"s{s}.gt_boxes"])
        rows = [r for r in range(len(y)) if y[r] < C and int(y[r]) in target]
        labels, feats, boxes = [], [], []
        for c in sorted({int(y[r]) for r in rows}):
            queue = queues.get(c, [])
            n = len(queue)
            if n == 0:
                continue
            k = min(options["replay_size"], n)
            if options["random_select"] and n > k:
                picked = torch.randperm(n, generator=generator)[:k].tolist()
            else:
                picked = list(range(n - k, n))
            for j in picked:
                labels.append(c)
                feats.append(queue[j][0])
                boxes.append(queue[j][1])
        for r in rows:
            entry = (shared[r].clone(), torch.cat([proposals[r], gts[int(ids[r])]]))
            queue = queues.setdefault(int(y[r]), [])
            queue.append(entry)
            del queue[:max(0, len(queue) - options["queue_size"])]
        if labels:
            b = torch.stack(boxes)
            out[f"s{s}.replay_labels"] = np.array(labels, np.int64)
            out[f"s{s}.replay_features"] = torch.stack(feats).numpy()
            out[f"s{s}.replay_box_targets"] = encode(b[:, :4], b[:, 4:]).numpy()
    for c, queue in queues.items():
        out[f"state.{c}.features"] = torch.stack([e[0] for e in queue]).numpy()
        out[f"state.{c}.boxes"] = torch.stack([e[1] for e in queue]).numpy()
    return out


def cosine_case(rng):
    dtype = np.float64 if rng.random() < 0.3 else np.float32
    C = int(rng.choice([1, 3, int(rng.integers(4, 60))]))
    K = int(rng.integers(1, 64))
    cin, width_fc = int(rng.choice([4, 16])), int(rng.choice([8, 32, 128]))
    scale = float(rng.choice([48.0, 20.0, float(rng.uniform(1, 64))]))
    y = np.where(rng.random(K) < 0.4, rng.integers(0, C, K), C)
    t = {"roi_features": rng.normal(0, 1, (K, cin, 7, 7)), "labels": y.astype(np.int64),
         "bbox_targets": np.where((y < C)[:, None], rng.normal(0, 1, (K, 4)), 0.0)}
    if rng.random() < 0.2:
        t["roi_features"][0] = 0  # an all-zero feature row: eps keeps its logits finite
    for name, fan_out, fan_in in [("bbox_head.shared_fcs.0", width_fc, cin * 49), ("bbox_head.shared_fcs.1", width_fc, width_fc),
                                  ("bbox_head.fc_reg", 4 * C, width_fc)]:
        t[f"{name}.weight"] = rng.normal(0, fan_in ** -0.5, (fan_out, fan_in))
        t[f"{name}.bias"] = rng.normal(0, 0.1, fan_out)
    t["bbox_head.fc_cls.weight_v"] = rng.normal(0, 0.1, (C + 1, width_fc))
    t["bbox_head.fc_cls.weight_g"] = rng.uniform(0.2, 3, (C + 1, 1))
    tensors = {k: (v if v.dtype == np.int64 else v.astype(dtype)) for k, v in t.items()}
    bbox_head = {"roi_feat_size": 7, "fc_out_channels": width_fc, "loss_cls": {"type": "CrossEntropyLoss"},
                 "cls_predictor_cfg": {"type": "CosineSimilarityLinear", "temperature": scale}}
    config = {"model": {"num_classes": C, "neck": {"out_channels": cin}, "roi_head": {"bbox_head": bbox_head}}}
    return tensors, config, dict(kind="cosine", C=C, K=K, cin=cin, fc=width_fc, scale=scale, dtype=np.dtype(dtype).name)


def cosine_reference(t, scale):
    p = {k: torch.from_numpy(v).requires_grad_(v.dtype != np.int64) for k, v in t.items()}
    y = p["labels"]
    K, C = y.shape[0], p["bbox_head.fc_reg.weight"].shape[0] // 4

    def head(features):
        x = features.flatten(1)
        for i in range(2):
            x = F.relu(F.linear(x, p[f"bbox_head.shared_fcs.{i}.weight"], p[f"bbox_head.shared_fcs.{i}.bias"]))
        v, g = p["bbox_head.fc_cls.weight_v"], p["bbox_head.fc_cls.weight_g"]
        w = v * (g / v.norm(dim=1, keepdim=True))
        xn = x / (x.norm(dim=1, keepdim=True) + 1e-5)
        return scale * (xn @ w.t()), F.linear(x, p["bbox_head.fc_reg.weight"], p["bbox_head.fc_reg.bias"])

    logits, deltas = head(p["roi_features"])
    loss_cls = F.cross_entropy(logits, y, reduction="sum") / K
    pos = torch.nonzero(y < C).flatten()
    picked = deltas.view(K, C, 4)[pos, y[pos]]
    loss_bbox = (picked - p["bbox_targets"][pos]).abs().sum() / K
    names = [k for k in p if p[k].requires_grad and k not in ("bbox_targets",)]
    grads = torch.autograd.grad(loss_cls + loss_bbox, [p[k] for k in names], allow_unused=True)
    out = {"loss_cls": loss_cls.detach().numpy(), "loss_bbox": loss_bbox.detach().numpy()}
    for k, g in zip(names, grads):
        key = "grad.roi_features" if k == "roi_features" else "grad." + k
        out[key] = (g if g is not None else torch.zeros_like(p[k])).numpy()
    with torch.no_grad():
        out["scores"] = F.softmax(logits, 1).numpy()
        out["deltas"] = deltas.numpy()
    return out


def check(name, got, want, dtype):
    if name.endswith("labels") or name.startswith("state.") or name.endswith("replay_features"):
        same = got.shape == want.shape and np.array_equal(got, want)
        return None if same else f"{name}: differs (shapes {got.shape} / {want.shape}); want {want.ravel()[:12]} got {got.ravel()[:12]}"
    return compare(name, got, want, dtype)


def main():
    ltdet, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = int(sys.argv[4]) if len(sys.argv) > 4 else 24
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    failures = 0
    for i in range(cases):
        if i % 3 == 2:
            tensors, config, info = cosine_case(rng)
            command = "box-head"
            want = cosine_reference(tensors, info["scale"])
        else:
            tensors, config, targets, options, info = replay_case(rng, work, i)
            command = "replay"
            want = replay_reference(tensors, config["model"]["num_classes"], targets, options)
        path_in, path_out, path_config = f"{work}/in_{i}.safetensors", f"{work}/out_{i}.safetensors", f"{work}/config_{i}.json"
        with open(path_config, "w") as f:
            json.dump(config, f)
        got, error = run_harness(ltdet, [command, "--config", path_config, "--in", path_in, "--out", path_out],
                                 tensors, path_in, path_out)
        if error:
            print(f"FAIL case {i} {info}: {error}")
            failures += 1
            continue
        if command == "box-head":
            got = {k: v for k, v in got.items() if not k.startswith("cls_loss.")}
        problems = output_problems(got, want, lambda k, g, w: check(k, g, w, info["dtype"]))
        if problems:
            failures += 1
            print(f"FAIL case {i} {info}: " + "; ".join(problems))
    print(f"rio: {cases - failures}/{cases} cases match (seed {seed})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
