#!/usr/bin/env python3
"""Builds a large benchmark set by tiling a generated one (generate.py): N copies of its images, annotations
and detections with shifted ids, truncated to --images images. Used for the LVIS-v1-val-sized run
(19,809 images) without generating millions of masks again.

    tile.py --base DIR --images 19809 --out DIR2 [--boxes-only]
"""
import argparse
import json
import math
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True)
    ap.add_argument("--images", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--boxes-only", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.base, "gt.json")) as f:
        gt = json.load(f)
    with open(os.path.join(args.base, "results.json")) as f:
        res = json.load(f)
    n_base = len(gt["images"])
    copies = math.ceil(args.images / n_base)
    id_step = max(im["id"] for im in gt["images"]) + 1
    ann_step = max(a["id"] for a in gt["annotations"]) + 1
    images, anns = [], []
    for c in range(copies):
        for im in gt["images"]:
            if len(images) < args.images:
                images.append(dict(im, id=im["id"] + c * id_step))
    kept = {im["id"] for im in images}
    for c in range(copies):
        for a in gt["annotations"]:
            if a["image_id"] + c * id_step in kept:
                anns.append(dict(a, id=a["id"] + c * ann_step, image_id=a["image_id"] + c * id_step))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "gt.json"), "w") as f:
        json.dump(dict(gt, images=images, annotations=anns), f)
    n = 0
    with open(os.path.join(args.out, "results.json"), "w") as f:
        f.write("[")
        for c in range(copies):
            for d in res:
                image_id = d["image_id"] + c * id_step
                if image_id not in kept:
                    continue
                d = dict(d, image_id=image_id)
                if args.boxes_only:
                    d.pop("segmentation", None)
                f.write(("," if n else "") + json.dumps(d))
                n += 1
        f.write("]")
    print(f"{len(images)} images, {len(anns)} annotations, {n} detections -> {args.out}")


if __name__ == "__main__":
    main()
