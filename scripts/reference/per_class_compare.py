#!/usr/bin/env python3
"""Checks the per-category table of `ltdet eval --per-class` against lvis-api 0.5.3: for every category k,
AP = mean of eval.eval['precision'][:, :, k, 0] over the cells > -1 and AR = mean of eval.eval['recall'][:, k, 0]
over the cells > -1 (-1 when there is no such cell), within 1e-12; the group column equals the category's
frequency; the training images column equals the number of images of --train-ann holding the category.

    per_class_compare.py --gt GT.json --results RES.json --iou-type bbox|segm --ltdet BIN [--train-ann TRAIN.json]

Exit status 0 when everything agrees, 1 otherwise.
"""
import argparse
import csv
import json
import logging
import os
import subprocess
import sys
import tempfile

import numpy as np

if not hasattr(np, "float"):
    np.float = float  # lvis 0.5.3's accumulate() uses np.float, removed in numpy 1.24


def mean_valid(cells):
    valid = cells[cells > -1]
    return float(np.mean(valid)) if valid.size else -1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gt", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--iou-type", required=True, choices=["bbox", "segm"])
    ap.add_argument("--ltdet", required=True)
    ap.add_argument("--train-ann")
    ap.add_argument("--tol", type=float, default=1e-12)
    args = ap.parse_args()

    logging.getLogger("lvis").setLevel(logging.ERROR)
    from lvis import LVIS, LVISEval, LVISResults
    gt = LVIS(args.gt)
    ev = LVISEval(gt, LVISResults(gt, args.results), args.iou_type)
    ev.run()
    precision, recall = ev.eval["precision"], ev.eval["recall"]
    cat_ids = ev.params.cat_ids

    train_images = None
    if args.train_ann:
        with open(args.train_ann) as f:
            train = json.load(f)
        images = {}
        for a in train["annotations"]:
            images.setdefault(a["category_id"], set()).add(a["image_id"])
        train_images = {c["id"]: len(images.get(c["id"], ())) for c in train["categories"]}

    with tempfile.TemporaryDirectory() as work:
        prefix = os.path.join(work, "per_class")
        cmd = [args.ltdet, "eval", "--gt", args.gt, "--results", args.results, "--iou-type", args.iou_type,
               "--style", "lvis", "--per-class", prefix, "--quiet"]
        if args.train_ann:
            cmd += ["--train-ann", args.train_ann]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(prefix + ".csv") as f:
            rows = {int(r["id"]): r for r in csv.DictReader(f)}

    failures = []
    if sorted(rows) != sorted(cat_ids):
        failures.append(f"categories differ: ltdet {sorted(rows)[:10]}... lvis-api {sorted(cat_ids)[:10]}...")
    for k, cid in enumerate(cat_ids):
        row = rows.get(cid)
        if row is None:
            continue
        want_ap = mean_valid(precision[:, :, k, 0])
        want_ar = mean_valid(recall[:, k, 0])
        got_ap, got_ar = float(row["AP_" + args.iou_type]), float(row["AR_" + args.iou_type])
        if abs(got_ap - want_ap) > args.tol:
            failures.append(f"category {cid}: AP {got_ap!r} != lvis-api {want_ap!r}")
        if abs(got_ar - want_ar) > args.tol:
            failures.append(f"category {cid}: AR {got_ar!r} != lvis-api {want_ar!r}")
        if row["group"] != gt.cats[cid].get("frequency", ""):
            failures.append(f"category {cid}: group {row['group']!r} != {gt.cats[cid].get('frequency')!r}")
        if train_images is not None and int(row["train_images"]) != train_images.get(cid, 0):
            failures.append(f"category {cid}: train_images {row['train_images']} != {train_images.get(cid, 0)}")
    label = f"{os.path.basename(args.gt)} {args.iou_type}"
    if failures:
        print(f"per-class {label}: {len(failures)} differences")
        for line in failures[:20]:
            print("  " + line)
        return 1
    with_gt = sum(1 for k in range(len(cat_ids)) if (precision[:, :, k, 0] > -1).any())
    print(f"per-class {label}: {len(cat_ids)} categories ({with_gt} with ground truth) equal to lvis-api")
    return 0


if __name__ == "__main__":
    sys.exit(main())
