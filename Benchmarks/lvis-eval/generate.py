#!/usr/bin/env python3
"""Synthetic LVIS-v1-shaped benchmark files: N images (480x640-ish), the 1203 LVIS v1 categories with their
real frequencies, ~12 polygon annotations per image over ~4 categories, neg / not-exhaustive lists, and up
to 300 detections per image (jittered ground truth, negatives, and random categories that the federated
rule discards), each with a bbox and a compressed-RLE mask.

    generate.py --images N --seed S --categories shared/data/lvis/lvis_v1_categories.json --out DIR
        -> DIR/gt.json, DIR/results.json

Every image has ground truth (faster-coco-eval 1.8.0 crashes in segm/LVIS mode on detections of an image
with no kept ground truth), and no image has more than 300 detections (the per-image cap is applied first,
as lvis-api does, so that the three evaluators see the same detections).
"""
import argparse
import json
import math
import os

import numpy as np
import pycocotools.mask as mu


def polygon(rng, cx, cy, r, k):
    a = np.sort(rng.uniform(0, 2 * math.pi, k))
    rad = r * rng.uniform(0.5, 1.0, k)
    return np.stack([cx + rad * np.cos(a), cy + rad * np.sin(a)], 1).reshape(-1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--categories", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-dets", type=int, default=300)
    ap.add_argument("--min-dets", type=int, default=20, help="detections per image: uniform in [min, max]")
    ap.add_argument("--no-masks", action="store_true", help="boxes only (for very large bbox-only sets)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with open(args.categories) as f:
        cats = json.load(f)
    cats = [{k: c[k] for k in ("id", "name", "frequency", "image_count", "synset") if k in c} for c in cats]
    cat_ids = np.array([c["id"] for c in cats])
    # Frequent categories appear more often, as in LVIS.
    weight = np.array([{"r": 1.0, "c": 4.0, "f": 30.0}[c["frequency"]] for c in cats])
    weight /= weight.sum()

    images, anns, results = [], [], []
    ann_id = 1
    for i in range(args.images):
        img_id = i + 1
        h, w = int(rng.choice([375, 427, 480, 500])), int(rng.choice([500, 640, 640, 612]))
        present = rng.choice(cat_ids, size=int(rng.integers(1, 7)), replace=False, p=weight)
        gt_boxes = []
        for c in present:
            for _ in range(int(rng.integers(1, 6))):
                r = float(rng.choice([rng.uniform(4, 16), rng.uniform(16, 50), rng.uniform(50, 200)]))
                cx, cy = rng.uniform(0, w), rng.uniform(0, h)
                poly = [float(round(v, 2)) for v in polygon(rng, cx, cy, r, int(rng.integers(5, 16)))]
                rle = mu.frPyObjects([poly], h, w)[0]
                area = float(mu.area(rle))
                if area <= 0:
                    continue
                box = [float(v) for v in mu.toBbox(rle)]
                anns.append({"id": ann_id, "image_id": img_id, "category_id": int(c), "segmentation": [poly],
                             "area": area, "bbox": box})
                gt_boxes.append((int(c), box))
                ann_id += 1
        absent = np.setdiff1d(cat_ids, present)
        neg = rng.choice(absent, size=int(rng.integers(3, 20)), replace=False)
        nel = [int(c) for c in present if rng.random() < 0.15]
        images.append({"id": img_id, "height": h, "width": w, "file_name": f"{img_id:012d}.jpg",
                       "coco_url": f"http://images.cocodataset.org/val2017/{img_id:012d}.jpg",
                       "neg_category_ids": [int(c) for c in neg], "not_exhaustive_category_ids": nel})
        n = int(rng.integers(args.min_dets, args.max_dets + 1))
        kinds = rng.random(n)
        scores = np.round(rng.random(n), 4)
        for j in range(n):
            if kinds[j] < 0.35 and gt_boxes:
                c, (x, y, bw, bh) = gt_boxes[int(rng.integers(0, len(gt_boxes)))]
                box = [x + rng.normal(0, 0.1 * bw), y + rng.normal(0, 0.1 * bh),
                       bw * rng.uniform(0.8, 1.25), bh * rng.uniform(0.8, 1.25)]
            else:
                c = int(rng.choice(neg)) if kinds[j] < 0.55 else int(rng.choice(cat_ids))
                bw, bh = rng.uniform(4, w / 2), rng.uniform(4, h / 2)
                box = [rng.uniform(0, w - bw), rng.uniform(0, h - bh), bw, bh]
            box = [float(round(v, 2)) for v in box]
            d = {"image_id": img_id, "category_id": c, "bbox": box, "score": float(scores[j])}
            if not args.no_masks:
                x, y, bw, bh = box
                poly = polygon(rng, x + bw / 2, y + bh / 2, min(bw, bh) / 2, 10)
                rle = mu.frPyObjects([[float(v) for v in poly]], h, w)[0]
                d["segmentation"] = {"size": [h, w], "counts": rle["counts"].decode("ascii")}
            results.append(d)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gt.json"), "w") as f:
        json.dump({"info": {"description": "LTDet synthetic LVIS benchmark", "seed": args.seed}, "licenses": [],
                   "images": images, "annotations": anns, "categories": cats}, f)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f)
    print(f"{args.images} images, {len(cats)} categories, {len(anns)} annotations, {len(results)} detections "
          f"-> {args.out}")


if __name__ == "__main__":
    main()
