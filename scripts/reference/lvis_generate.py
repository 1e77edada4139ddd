#!/usr/bin/env python3
"""Random LVIS-format ground truth and results with the hard cases of docs/evaluation.md, for the
reference checks (scripts/reference/check_lviskit.sh).

    lvis_generate.py synthetic --seed S --out DIR [--images N --categories C]
        DIR/gt.json                  LVIS ground truth: polygons (multi-part, with holes, partly outside the
                                     image), compressed and uncompressed RLE, zero areas, ignore and iscrowd
                                     flags, neg / not-exhaustive lists, categories without ground truth, a
                                     frequency group left empty at random
        DIR/results_box.json         detections with bbox (areas from boxes): score ties, >300 per image,
                                     zero-area boxes, neg / not-exhaustive / unannotated categories, masks as
                                     compressed RLE, uncompressed RLE, polygons or absent
        DIR/results_mask.json        detections with compressed RLE only (areas and boxes from the masks)

    lvis_generate.py detections --gt REAL.json --seed S --out RESULTS.json
        Detections for a real ground-truth file: jittered copies of its annotations (masks of the jittered
        polygons as compressed RLE), false positives on neg, not-exhaustive and other categories, ties.
"""
import argparse
import json
import math
import os

import numpy as np
import pycocotools.mask as mask_utils


def star_polygon(rng, cx, cy, r, k):
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = r * rng.uniform(0.3, 1.0, k)
    xs = cx + radii * np.cos(angles)
    ys = cy + radii * np.sin(angles)
    return [float(v) for xy in zip(xs, ys) for v in xy]


def keyhole_polygon(rng, cx, cy, r):
    """An outer ring and an inner ring joined by a bridge: a polygon with a hole."""
    k = int(rng.integers(6, 14))
    outer = [(cx + r * math.cos(2 * math.pi * i / k), cy + r * math.sin(2 * math.pi * i / k)) for i in range(k + 1)]
    ri = r * rng.uniform(0.2, 0.6)
    inner = [(cx + ri * math.cos(-2 * math.pi * i / k), cy + ri * math.sin(-2 * math.pi * i / k)) for i in range(k + 1)]
    pts = outer + inner
    return [float(round(v, int(rng.integers(0, 4)))) for p in pts for v in p]


def random_segmentation(rng, h, w):
    """Polygons in several styles; the first polygon always has >= 3 points (pycocotools reads a first
    polygon of 4 numbers as a box)."""
    cx, cy = rng.uniform(-0.1 * w, 1.1 * w), rng.uniform(-0.1 * h, 1.1 * h)
    r = rng.uniform(1, 0.5 * max(h, w))
    kind = rng.random()
    if kind < 0.15:
        return [keyhole_polygon(rng, cx, cy, r)]
    parts = [star_polygon(rng, cx, cy, r, int(rng.integers(3, 12)))]
    if kind < 0.4:
        for _ in range(int(rng.integers(1, 3))):
            parts.append(star_polygon(rng, rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1, 0.3 * max(h, w)),
                                      int(rng.integers(2, 8))))
    if rng.random() < 0.3:  # integral, half-pixel and negative coordinates
        parts = [[float(round(v * 2) / 2) for v in p] for p in parts]
    return parts


def to_rle(segm, h, w):
    rles = mask_utils.frPyObjects(segm, h, w)
    return mask_utils.merge(rles) if isinstance(rles, list) else rles


def box_rle(box, h, w):
    return mask_utils.frPyObjects(np.array([box], dtype=np.float64), h, w)[0]


def rle_json(rle):
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def uncompressed(rle):
    m = mask_utils.decode(rle)
    flat = m.flatten(order="F")
    counts, prev, run = [], 0, 0
    for v in flat:
        if v != prev:
            counts.append(run)
            run, prev = 0, v
        run += 1
    counts.append(run)
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": [int(c) for c in counts]}


def jitter_box(rng, box, scale):
    x, y, w, h = box
    return [float(x + rng.normal(0, scale * max(w, 1))), float(y + rng.normal(0, scale * max(h, 1))),
            float(max(w * rng.uniform(0.7, 1.3), 0.5)), float(max(h * rng.uniform(0.7, 1.3), 0.5))]


def score(rng, tie_prob=0.3):
    # Many exact ties: quantised scores, plus some full-precision ones.
    return float(round(rng.random() * 20) / 20) if rng.random() < tie_prob else float(rng.random())


def synthetic(args):
    rng = np.random.default_rng(args.seed)
    n_img, n_cat = args.images, args.categories
    freqs = ["r", "c", "f"]
    empty = rng.choice(freqs + [None, None])  # a frequency group left empty, sometimes
    cats = []
    for c in range(1, n_cat + 1):
        f = str(rng.choice([x for x in freqs if x != empty]))
        cats.append({"id": c * 3 + int(rng.integers(0, 3)), "name": f"cat{c}", "frequency": f,
                     "image_count": int(rng.integers(0, 300)), "synonyms": [f"cat{c}"], "def": "\"quoted\" \\ text"})
    rng.shuffle(cats)
    cat_ids = [c["id"] for c in cats]
    without_gt = set(rng.choice(cat_ids, size=max(1, n_cat // 6), replace=False).tolist())
    gt_cats = [c for c in cat_ids if c not in without_gt]

    images, anns = [], []
    ann_id = 1
    for i in range(n_img):
        img_id = int(1000 + i * 7 + rng.integers(0, 5))
        h, w = int(rng.integers(20, 240)), int(rng.integers(20, 240))
        present = list(rng.choice(gt_cats, size=int(rng.integers(0, 5)), replace=False)) if rng.random() > 0.1 else []
        for c in present:
            for _ in range(int(rng.integers(1, 6))):
                segm = random_segmentation(rng, h, w)
                rle = to_rle(segm, h, w)
                area = float(mask_utils.area(rle))
                bbox = [float(v) for v in mask_utils.toBbox(rle)]
                u = rng.random()
                if u < 0.05:
                    area = 0.0  # dropped by LVIS, kept by COCO
                elif u < 0.1:
                    area = float(rng.uniform(1, 12000))  # area field disagreeing with the mask
                ann = {"id": ann_id, "image_id": img_id, "category_id": int(c), "bbox": bbox, "area": area,
                       "iscrowd": int(rng.random() < 0.08)}
                v = rng.random()
                if v < 0.15:
                    ann["segmentation"] = rle_json(rle)
                elif v < 0.25:
                    ann["segmentation"] = uncompressed(rle)
                else:
                    ann["segmentation"] = segm
                if rng.random() < 0.07:
                    ann["ignore"] = 1
                elif rng.random() < 0.05:
                    ann["ignore"] = 0
                anns.append(ann)
                ann_id += 1
        absent = [c for c in cat_ids if c not in present]
        neg = [int(c) for c in rng.choice(absent, size=min(len(absent), int(rng.integers(0, 6))), replace=False)]
        nel = [int(c) for c in present if rng.random() < 0.3]
        if rng.random() < 0.3 and absent:
            nel.append(int(rng.choice(absent)))
        images.append({"id": img_id, "height": h, "width": w, "file_name": f"{img_id:012d}.jpg",
                       "coco_url": f"http://example.org/{img_id}.jpg", "neg_category_ids": neg,
                       "not_exhaustive_category_ids": sorted(set(nel))})
    rng.shuffle(anns)
    gt = {"info": {"seed": args.seed}, "images": images, "categories": cats, "annotations": anns, "licenses": []}

    by_image = {}
    for a in anns:
        by_image.setdefault(a["image_id"], []).append(a)
    results = []
    crowded = set(int(x) for x in rng.choice([im["id"] for im in images], size=max(1, n_img // 10), replace=False))
    for im in images:
        h, w = im["height"], im["width"]
        dets = []
        for a in by_image.get(im["id"], []):
            for _ in range(int(rng.integers(0, 3))):
                dets.append((a["category_id"], jitter_box(rng, a["bbox"], 0.1), a))
        candidates = im["neg_category_ids"] + im["not_exhaustive_category_ids"] + cat_ids
        n_fp = int(rng.integers(0, 12)) + (int(rng.integers(300, 420)) if im["id"] in crowded else 0)
        for _ in range(n_fp):
            c = int(rng.choice(candidates))
            bw, bh = rng.uniform(0, 0.6 * w), rng.uniform(0, 0.6 * h)
            dets.append((c, [float(rng.uniform(-5, w)), float(rng.uniform(-5, h)), float(bw), float(bh)], None))
        for c, box, src in dets:
            if rng.random() < 0.04:
                box[2 if rng.random() < 0.5 else 3] = 0.0  # zero area, dropped by LVIS
            d = {"image_id": im["id"], "category_id": c, "bbox": box, "score": score(rng)}
            kind = rng.random()
            if src is not None and kind < 0.7:
                segm = random_segmentation(rng, h, w) if rng.random() < 0.2 else None
                if segm is None:
                    s = src["segmentation"]
                    segm = s if isinstance(s, list) else None
                rle = to_rle(segm, h, w) if segm is not None else box_rle(box, h, w)
                v = rng.random()
                d["segmentation"] = (rle_json(rle) if v < 0.8 else uncompressed(rle) if v < 0.9
                                     else (segm if segm is not None else rle_json(rle)))
            elif kind < 0.9:
                d["segmentation"] = rle_json(to_rle(random_segmentation(rng, h, w), h, w))
            results.append(d)
    order = rng.permutation(len(results))
    results = [results[i] for i in order]
    masks_only = []
    for d in results:
        s = d.get("segmentation")
        if isinstance(s, dict) and isinstance(s["counts"], str):
            masks_only.append({"image_id": d["image_id"], "category_id": d["category_id"], "score": d["score"],
                               "segmentation": s})
    os.makedirs(args.out, exist_ok=True)
    for name, obj in (("gt.json", gt), ("results_box.json", results), ("results_mask.json", masks_only)):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(obj, f)
    print(f"synthetic seed {args.seed}: {n_img} images, {len(cats)} categories ({len(without_gt)} without ground "
          f"truth, empty group: {empty}), {len(anns)} annotations, {len(results)} box results, "
          f"{len(masks_only)} mask-only results")


def detections(args):
    rng = np.random.default_rng(args.seed)
    with open(args.gt) as f:
        gt = json.load(f)
    cat_ids = [c["id"] for c in gt["categories"]]
    imgs = {im["id"]: im for im in gt["images"]}
    by_image = {}
    for a in gt["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    results = []
    ids = sorted(imgs)
    crowded = set(ids[:: max(1, len(ids) // 5)])
    for img_id in ids:
        im = imgs[img_id]
        h, w = im["height"], im["width"]
        for a in by_image.get(img_id, []):
            if rng.random() < 0.15:
                continue
            box = jitter_box(rng, a["bbox"], 0.08)
            segm = a["segmentation"]
            if isinstance(segm, list) and segm and len(segm[0]) > 4:
                dx, dy = box[0] - a["bbox"][0], box[1] - a["bbox"][1]
                segm = [[v + (dx if j % 2 == 0 else dy) for j, v in enumerate(p)] for p in segm]
                rle = to_rle(segm, h, w)
            else:
                rle = box_rle(box, h, w)
            results.append({"image_id": img_id, "category_id": a["category_id"], "bbox": box,
                            "score": score(rng), "segmentation": rle_json(rle)})
        candidates = im.get("neg_category_ids", []) + im.get("not_exhaustive_category_ids", []) + cat_ids
        n_fp = int(rng.integers(5, 40)) + (int(rng.integers(300, 380)) if img_id in crowded else 0)
        for _ in range(n_fp):
            c = int(rng.choice(candidates))
            box = [float(rng.uniform(0, w)), float(rng.uniform(0, h)), float(rng.uniform(1, w / 2)),
                   float(rng.uniform(1, h / 2))]
            results.append({"image_id": img_id, "category_id": c, "bbox": box, "score": score(rng),
                            "segmentation": rle_json(box_rle(box, h, w))})
    with open(args.out, "w") as f:
        json.dump(results, f)
    print(f"detections seed {args.seed}: {len(results)} results for {len(ids)} images of {args.gt}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("synthetic")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--images", type=int, default=40)
    s.add_argument("--categories", type=int, default=30)
    d = sub.add_parser("detections")
    d.add_argument("--gt", required=True)
    d.add_argument("--seed", type=int, required=True)
    d.add_argument("--out", required=True)
    args = ap.parse_args()
    synthetic(args) if args.mode == "synthetic" else detections(args)


if __name__ == "__main__":
    main()
