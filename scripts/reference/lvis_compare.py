#!/usr/bin/env python3
"""Evaluates one ground-truth / results pair with the reference (lvis-api 0.5.3 for LVIS style,
pycocotools 2.0.11 COCOeval for COCO style) and with `ltdet eval`, and compares every summary metric and
every cell of the precision and recall arrays (absolute difference <= --tol, default 1e-12).

    lvis_compare.py --gt GT.json --results RES.json --iou-type bbox|segm [--style lvis|coco]
                    [--expect-stats v1,...,v12] [--ltdet BIN]

Exit status 0 when everything agrees, 1 otherwise. --expect-stats additionally checks the 12 COCO stats
against numbers written elsewhere (shared/data/README.md), parsed by the caller, never typed here.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

numpy_float_patched = False
if not hasattr(np, "float"):
    np.float = float  # lvis 0.5.3's accumulate() uses np.float, removed in numpy 1.24
    numpy_float_patched = True

LVIS_KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf",
             "AR@300", "ARs@300", "ARm@300", "ARl@300"]
COCO_KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl",
             "AR@1", "AR@10", "AR@100", "ARs@100", "ARm@100", "ARl@100"]


def top_per_category(results, limit=10000):
    """Fixed AP's selection: the top `limit` detections of each category by score (ties in file order)."""
    by_cat = {}
    for i, d in enumerate(results):
        by_cat.setdefault(d["category_id"], []).append(i)
    keep = set()
    for idx in by_cat.values():
        keep.update(sorted(idx, key=lambda i: -results[i]["score"])[:limit])
    return [d for i, d in enumerate(results) if i in keep]


def reference_lvis(gt, results, iou_type, fixed_ap=False):
    import logging
    logging.getLogger("lvis").setLevel(logging.ERROR)
    from lvis import LVIS, LVISEval, LVISResults
    lvis_gt = LVIS(gt)
    if fixed_ap:  # lvis-api with no per-image cap, on the per-category top 10,000
        with open(results) as f:
            lvis_dt = LVISResults(lvis_gt, top_per_category(json.load(f)), max_dets=-1)
    else:
        lvis_dt = LVISResults(lvis_gt, results)
    ev = LVISEval(lvis_gt, lvis_dt, iou_type)
    ev.run()
    metrics = {k: float(v) for k, v in ev.get_results().items()}
    if fixed_ap:
        metrics = {k.replace("@300", "@10000/cat"): v for k, v in metrics.items()}
    return metrics, ev.eval["precision"], ev.eval["recall"]


def reference_coco(gt, results, iou_type):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(gt)
        coco_dt = coco_gt.loadRes(results)
        ev = COCOeval(coco_gt, coco_dt, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    metrics = {k: float(v) for k, v in zip(COCO_KEYS, ev.stats)}
    return metrics, ev.eval["precision"], ev.eval["recall"]


def run_ltdet(binary, gt, results, iou_type, style, workdir, fixed_ap=False):
    out_json = os.path.join(workdir, "metrics.json")
    out_p = os.path.join(workdir, "precision.npy")
    out_r = os.path.join(workdir, "recall.npy")
    cmd = [binary, "eval", "--gt", gt, "--results", results, "--iou-type", iou_type, "--style", style,
           "--json", out_json, "--dump-precision", out_p, "--dump-recall", out_r, "--quiet"]
    if fixed_ap:
        cmd.append("--fixed-ap")
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.time() - t0
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise SystemExit(f"ltdet eval failed (exit {proc.returncode}): {' '.join(cmd)}")
    with open(out_json) as f:
        data = json.load(f)
    return data, np.load(out_p), np.load(out_r), elapsed


def compare(name, ref, mine, tol):
    """Returns the number of mismatching cells (shape mismatch counts as all)."""
    ref = np.asarray(ref, dtype=np.float64)
    mine = np.asarray(mine, dtype=np.float64)
    if ref.shape != mine.shape:
        print(f"  {name}: shape {mine.shape} != reference {ref.shape}")
        return max(ref.size, 1)
    diff = np.abs(ref - mine)
    bad = int(np.count_nonzero(diff > tol))
    exact = int(np.count_nonzero(ref == mine))
    print(f"  {name}: {ref.size} cells, {exact} bit-identical, max |diff| {diff.max() if diff.size else 0:.3g}, "
          f"{bad} over {tol:g}")
    if bad:
        idx = np.argwhere(diff > tol)[:5]
        for i in idx:
            print(f"    at {tuple(int(x) for x in i)}: ltdet {mine[tuple(i)]!r} reference {ref[tuple(i)]!r}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gt", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--iou-type", required=True, choices=["bbox", "segm"])
    ap.add_argument("--style", default="lvis", choices=["lvis", "coco"])
    ap.add_argument("--ltdet", default=os.environ.get("LTDET_BIN", "ltdet"))
    ap.add_argument("--tol", type=float, default=1e-12)
    ap.add_argument("--expect-stats", help="comma-separated expected COCO stats (compared to both)")
    ap.add_argument("--label", default="")
    ap.add_argument("--fixed-ap", action="store_true", help="Fixed AP (LVIS style): reference = lvis-api without the "
                    "per-image cap on the top 10,000 detections per category")
    args = ap.parse_args()

    t0 = time.time()
    if args.style == "lvis":
        ref_metrics, ref_p, ref_r = reference_lvis(args.gt, args.results, args.iou_type, args.fixed_ap)
        keys = [k.replace("@300", "@10000/cat") for k in LVIS_KEYS] if args.fixed_ap else LVIS_KEYS
    else:
        ref_metrics, ref_p, ref_r = reference_coco(args.gt, args.results, args.iou_type)
        keys = COCO_KEYS
    ref_time = time.time() - t0

    with tempfile.TemporaryDirectory() as workdir:
        data, my_p, my_r, my_time = run_ltdet(args.ltdet, args.gt, args.results, args.iou_type, args.style, workdir,
                                              args.fixed_ap)

    label = args.label or f"{os.path.basename(args.results)} {args.iou_type} {args.style}"
    print(f"{label}: reference {ref_time:.2f} s, ltdet {my_time:.2f} s")
    failures = 0
    mine = data["metrics"]
    if list(mine.keys()) != keys:
        print(f"  metric keys {list(mine.keys())} != {keys}")
        failures += 1
    for k in keys:
        r, m = ref_metrics.get(k), mine.get(k)
        if m is None or r is None or abs(r - m) > args.tol:
            print(f"  metric {k}: ltdet {m!r} reference {r!r}  MISMATCH")
            failures += 1
    identical = sum(1 for k in keys if mine.get(k) == ref_metrics.get(k))
    print(f"  metrics: {len(keys)} compared, {identical} bit-identical")
    failures += compare("precision", ref_p, my_p, args.tol)
    failures += compare("recall", ref_r, my_r, args.tol)

    # Per-category AP: the mean of the category's precision cells > -1 (area all, largest maxDets).
    cat_ids = sorted(int(c) for c in data["per_category"].keys())
    p = ref_p[..., 0, -1] if ref_p.ndim == 5 else ref_p[..., 0]
    bad_cat = 0
    for k, cid in enumerate(cat_ids):
        cells = p[:, :, k]
        cells = cells[cells > -1]
        ref_ap = float(np.mean(cells)) if cells.size else -1.0
        if abs(ref_ap - data["per_category"][str(cid)]) > args.tol:
            bad_cat += 1
    print(f"  per-category AP: {len(cat_ids)} categories, {bad_cat} mismatches")
    failures += bad_cat

    if args.expect_stats:
        expected = [float(x) for x in args.expect_stats.split(",")]
        for k, e in zip(keys, expected):
            for who, v in (("reference", ref_metrics[k]), ("ltdet", mine[k])):
                if abs(v - e) > args.tol:
                    print(f"  expected {k} = {e!r}, {who} gives {v!r}  MISMATCH")
                    failures += 1
        print(f"  expected stats: {len(expected)} compared with both")

    print("  OK" if failures == 0 else f"  FAILED ({failures} mismatches)")
    sys.exit(0 if failures == 0 else 1)


if __name__ == "__main__":
    main()
