"""run.sh's checks and report for the Mask R-CNN benchmark.

  compare.py agree LTDET_DETECTIONS TORCHVISION_DETECTIONS
      Exits non-zero unless both sides found the same number of detections per image and, per image, at least
      MATCHED_FRACTION of each side's detections have one on the other side of the same class whose box is
      within BOX_TOLERANCE pixels in every coordinate. Not all, most likely because the RPN's float32 objectness
      probabilities tie (sigmoid rounds neighbouring logits to one value: 123 of the 1000 best of P3 on these
      inputs), and which of two tied proposals is ranked first is each implementation's choice (LTDet sorts
      stably, torchvision's top-k ranks the logits and its NMS sorts unstably, as mmdet's), so a few proposals,
      and the detections made from them, differ by some pixels (6 of 600 on 2026-12-02).
  compare.py report RUNS_FILE
      RUNS_FILE: one "ltdet JSON" or "torchvision JSON" line per process (bench-maskrcnn / torchvision_bench.py).
      Prints, per measure, the median over rounds of each round's median, the rounds' spread and the ratio,
      then the per-stage profile of each side (exclusive seconds of the last round's profiled step) and
      LTDet's host reads per stage."""
import json
import statistics
import sys

import torch
from safetensors.torch import load_file

BOX_TOLERANCE = 0.05  # pixels, per coordinate
MATCHED_FRACTION = 0.97


def agree(ours_path, theirs_path):
    ours, theirs = load_file(ours_path), load_file(theirs_path)
    images = sorted({int(k[len("boxes"):]) for k in ours if k.startswith("boxes")})
    failures, worst, total, unmatched = [], 0.0, 0, 0
    for i in images:
        a_boxes, a_labels = ours[f"boxes{i}"], ours[f"labels{i}"]
        b_boxes, b_labels = theirs[f"boxes{i}"], theirs[f"labels{i}"]
        if len(a_boxes) != len(b_boxes):
            failures.append(f"image {i}: LTDet {len(a_boxes)} detections, torchvision {len(b_boxes)}")
            continue
        total += len(a_boxes)
        for (x, xl), (y, yl), side in [((a_boxes, a_labels), (b_boxes, b_labels), "LTDet"),
                                       ((b_boxes, b_labels), (a_boxes, a_labels), "torchvision")]:
            if len(x) == 0:
                continue
            diff = (x[:, None, :] - y[None, :, :]).abs().amax(dim=2)
            diff[xl[:, None] != yl[None, :]] = float("inf")
            nearest = diff.amin(dim=1)
            matched = nearest <= BOX_TOLERANCE
            if matched.any():
                worst = max(worst, float(nearest[matched].max()))
            bad = (~matched).nonzero().flatten().tolist()
            if side == "LTDet":
                unmatched += len(bad)
            if len(bad) > (1 - MATCHED_FRACTION) * len(x):
                failures.append(f"image {i}: {len(bad)} of {len(x)} {side} detections without a counterpart of the same "
                                f"class within {BOX_TOLERANCE} px (first: {x[bad[0]].tolist()}, class {int(xl[bad[0]])}, "
                                f"nearest {float(nearest[bad[0]]):.3g} px)")
    if failures:
        print("agreement check FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"agreement check: {total} detections on both sides; {total - unmatched} of LTDet's matched by one of the same "
          f"class within {worst:.2g} px (tolerance {BOX_TOLERANCE} px, at least {MATCHED_FRACTION:.0%} per image "
          f"required); {unmatched} differ by more")


def report(path):
    runs = {"ltdet": [], "torchvision": []}
    for line in open(path):
        side, payload = line.split(" ", 1)
        runs[side].append(json.loads(payload))
    a, b = runs["ltdet"], runs["torchvision"]
    print(f"{len(a)} rounds; each figure: median over rounds of each process's median, (min-max over rounds)")
    for key, label in [("train_step_s", "training step"), ("inference_s", "inference (2 images)"),
                       ("peak_rss_mb", "peak RSS MB")]:
        xs, ys = [r[key] for r in a], [r[key] for r in b]
        mx, my = statistics.median(xs), statistics.median(ys)
        print(f"{label:22s} LTDet {mx:8.2f} ({min(xs):.2f}-{max(xs):.2f})   "
              f"torchvision {my:8.2f} ({min(ys):.2f}-{max(ys):.2f})   ratio {mx / my:.2f}")
    print("losses of the last step: LTDet " + json.dumps({k: round(v, 4) for k, v in sorted(a[-1]["losses"].items())}))
    print("                   torchvision " + json.dumps({k: round(v, 4) for k, v in sorted(b[-1]["losses"].items())}))
    for key, reads, label in [("train_profile_s", "train_host_reads", "training step"),
                              ("inference_profile_s", "inference_host_reads", "inference")]:
        p, q = a[-1][key], b[-1][key]
        r = a[-1].get(reads, {})
        print(f"\nper-stage profile, one {label} (exclusive seconds, last round)")
        print(f"  {'stage':34s} {'LTDet':>8s} {'torchvision':>12s} {'ratio':>6s} {'LTDet host reads':>17s}")
        stages = [s for s in p if s != "total"] + [s for s in q if s not in p and s != "total"]
        for s in sorted(stages, key=lambda s: -max(p.get(s, 0), q.get(s, 0))):
            x, y = p.get(s), q.get(s)
            ratio = f"{x / y:6.2f}" if x is not None and y else "     -"
            fx = f"{x:8.3f}" if x is not None else "       -"
            fy = f"{y:12.3f}" if y is not None else "           -"
            print(f"  {s:34s} {fx} {fy} {ratio} {r.get(s, 0):17d}")
        for name, prof in [("LTDet", p), ("torchvision", q)]:
            other = prof["total"] - sum(v for k, v in prof.items() if k != "total")
            print(f"  {name}: total {prof['total']:.3f} s, outside the named stages {other:.3f} s")
        print(f"  LTDet host reads in all: {sum(r.values())}")


if __name__ == "__main__":
    if sys.argv[1] == "agree":
        agree(sys.argv[2], sys.argv[3])
    else:
        report(sys.argv[2])
