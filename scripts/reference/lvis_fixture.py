#!/usr/bin/env python3
"""Regenerates scripts/reference/lvis_eval_fixture.json, the expected values of the small hand-built
evaluation cases of Tests/LVISKitTests (which run without Python): each case's ground truth and results
inline, and the metrics and per-category AP that lvis-api 0.5.3 (LVIS style) or pycocotools 2.0.11
(COCO style) give for them.

    .venv/bin/python scripts/reference/lvis_fixture.py
"""
import contextlib
import copy
import io
import json
import logging
import os

import numpy as np

if not hasattr(np, "float"):
    np.float = float  # lvis 0.5.3 accumulate() needs it on numpy >= 1.24

from lvis import LVIS, LVISEval, LVISResults
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

logging.getLogger("lvis").setLevel(logging.ERROR)
HERE = os.path.dirname(os.path.abspath(__file__))
COCO_KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR@1", "AR@10", "AR@100", "ARs@100", "ARm@100", "ARl@100"]


def square(x, y, s):
    return [x, y, x, y + s, x + s, y + s, x + s, y]


def base_gt():
    cats = [{"id": 1, "name": "rare_thing", "frequency": "r", "image_count": 3},
            {"id": 2, "name": "common_thing", "frequency": "c", "image_count": 40},
            {"id": 5, "name": "frequent_thing", "frequency": "f", "image_count": 500},
            {"id": 7, "name": "never_annotated", "frequency": "f", "image_count": 200}]
    images = [{"id": 10, "height": 120, "width": 160, "neg_category_ids": [2, 7], "not_exhaustive_category_ids": [5]},
              {"id": 11, "height": 100, "width": 100, "neg_category_ids": [1], "not_exhaustive_category_ids": []},
              {"id": 12, "height": 60, "width": 80, "neg_category_ids": [], "not_exhaustive_category_ids": [1]}]
    anns = [
        {"id": 1, "image_id": 10, "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600.0,
         "segmentation": [square(10, 10, 40)]},
        {"id": 2, "image_id": 10, "category_id": 5, "bbox": [60, 20, 20, 20], "area": 400.0,
         "segmentation": [square(60, 20, 20)]},
        {"id": 3, "image_id": 10, "category_id": 5, "bbox": [100, 60, 50, 50], "area": 2500.0,
         "segmentation": [square(100, 60, 50), square(20, 80, 10)]},
        {"id": 4, "image_id": 11, "category_id": 2, "bbox": [0, 0, 99, 99], "area": 9801.0,
         "segmentation": {"size": [100, 100], "counts": [0] + [100, 0] * 0 + [10000]}},
        {"id": 5, "image_id": 11, "category_id": 5, "bbox": [5, 5, 10, 10], "area": 0.0,
         "segmentation": [square(5, 5, 10)]},
        {"id": 6, "image_id": 11, "category_id": 5, "bbox": [30, 30, 30, 30], "area": 900.0, "ignore": 1,
         "segmentation": [square(30, 30, 30)]},
        {"id": 7, "image_id": 12, "category_id": 1, "bbox": [4, 4, 30, 20], "area": 600.0,
         "segmentation": [[4, 4, 34, 4, 34, 24, 4, 24, 4, 4, 19, 14, 10, 20]]},
        {"id": 8, "image_id": 12, "category_id": 2, "bbox": [40, 10, 30, 40], "area": 1200.0,
         "segmentation": [square(40, 10, 30)]},
    ]
    for a in anns:
        a["iscrowd"] = 0
    return {"images": images, "categories": cats, "annotations": anns}


def base_results():
    return [
        {"image_id": 10, "category_id": 1, "bbox": [12, 11, 38, 40], "score": 0.9},
        {"image_id": 10, "category_id": 1, "bbox": [10, 10, 40, 40], "score": 0.9},  # tie
        {"image_id": 10, "category_id": 5, "bbox": [61, 21, 20, 19], "score": 0.8},
        {"image_id": 10, "category_id": 5, "bbox": [0, 0, 5, 5], "score": 0.7},  # not exhaustive: ignored
        {"image_id": 10, "category_id": 2, "bbox": [50, 50, 30, 30], "score": 0.95},  # negative: false positive
        {"image_id": 10, "category_id": 7, "bbox": [50, 50, 30, 30], "score": 0.6},  # negative, no gt anywhere
        {"image_id": 10, "category_id": 3, "bbox": [50, 50, 30, 30], "score": 0.99},  # unknown category
        {"image_id": 11, "category_id": 2, "bbox": [0, 0, 90, 99], "score": 0.5},
        {"image_id": 11, "category_id": 5, "bbox": [31, 29, 30, 30], "score": 0.85},  # matches ignored gt
        {"image_id": 11, "category_id": 5, "bbox": [5, 5, 10, 10], "score": 0.4},  # zero-area gt dropped
        {"image_id": 11, "category_id": 1, "bbox": [0, 0, 10, 0], "score": 0.99},  # zero area: dropped
        {"image_id": 11, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.3},  # negative
        {"image_id": 12, "category_id": 1, "bbox": [4, 4, 28, 20], "score": 0.5},
        {"image_id": 12, "category_id": 2, "bbox": [42, 12, 30, 40], "score": 0.5},
        {"image_id": 12, "category_id": 2, "bbox": [40, 10, 30, 40], "score": 0.5},
        {"image_id": 12, "category_id": 5, "bbox": [40, 10, 30, 40], "score": 0.9},  # discarded (federated)
    ]


def crowded_results():
    """More than 300 detections on one image, with ties, so the per-image cap decides."""
    res = base_results()
    rng = np.random.default_rng(3)
    for j in range(340):
        c = [1, 2, 5][j % 3]
        x, y = float(rng.integers(0, 120)), float(rng.integers(0, 80))
        res.append({"image_id": 10, "category_id": c, "bbox": [x, y, 30.0, 30.0],
                    "score": float(round(rng.random() * 10) / 10)})
    return res


def nan_score_results():
    """NaN scores among ties and ordinary scores: the references rank with numpy's argsort(-score), which puts
    NaN after every number (fewer than 300 per image: lvis-api's Python sort of the per-image cap has no order
    with NaN)."""
    res = base_results()
    for i in (1, 2, 9, 13):
        res[i]["score"] = float("nan")
    res.append({"image_id": 12, "category_id": 1, "bbox": [4, 4, 30, 20], "score": float("nan")})
    res.append({"image_id": 11, "category_id": 2, "bbox": [0, 0, 99, 99], "score": float("nan")})
    return res


def duplicate_id_gt(gt):
    """Annotation ids that occur twice: within one image and category, and across images and categories."""
    g = copy.deepcopy(gt)
    anns = g["annotations"]
    anns[7]["id"] = 2  # image 12, category 2 takes the id of image 10's category-5 annotation
    anns.append(dict(copy.deepcopy(anns[0]), bbox=[14, 12, 30, 30], area=900.0, segmentation=[square(14, 12, 30)]))
    return g


def lvis_eval(gt, results, iou_type):
    lvis_gt = LVIS.__new__(LVIS)
    lvis_gt.logger = logging.getLogger("lvis")
    lvis_gt.dataset = copy.deepcopy(gt)
    lvis_gt._create_index()
    ev = LVISEval(lvis_gt, LVISResults(lvis_gt, copy.deepcopy(results)), iou_type)
    ev.run()
    p = ev.eval["precision"]
    per_cat = {}
    for k, cid in enumerate(ev.params.cat_ids):
        cells = p[:, :, k, 0]
        cells = cells[cells > -1]
        per_cat[str(cid)] = float(np.mean(cells)) if cells.size else -1.0
    return {k: float(v) for k, v in ev.get_results().items()}, per_cat


def coco_eval(gt, results, iou_type):
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        ev = COCOeval(coco_gt, coco_gt.loadRes(copy.deepcopy(results)), iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    p = ev.eval["precision"]
    per_cat = {}
    for k, cid in enumerate(ev.params.catIds):
        cells = p[:, :, k, 0, -1]
        cells = cells[cells > -1]
        per_cat[str(cid)] = float(np.mean(cells)) if cells.size else -1.0
    return dict(zip(COCO_KEYS, (float(v) for v in ev.stats))), per_cat


def main():
    cases = []
    gt = base_gt()
    coco_gt = base_gt()
    coco_gt["annotations"][3]["iscrowd"] = 1  # the uncompressed RLE becomes a crowd region
    for name, g, res, style in (("basic", gt, base_results(), "lvis"),
                                ("per-image cap", gt, crowded_results(), "lvis"),
                                ("coco crowd", coco_gt, base_results(), "coco"),
                                ("nan scores", gt, nan_score_results(), "lvis"),
                                ("coco nan scores", coco_gt, nan_score_results(), "coco"),
                                ("duplicate ids", duplicate_id_gt(gt), base_results(), "lvis"),
                                ("coco duplicate ids", duplicate_id_gt(coco_gt), base_results(), "coco")):
        for iou_type in ("bbox", "segm"):
            run = lvis_eval if style == "lvis" else coco_eval
            metrics, per_cat = run(g, res, iou_type)
            case = {"name": f"{name} {iou_type}", "style": style, "iou_type": iou_type, "gt": g,
                    "metrics": metrics, "per_category": per_cat}
            # NaN is not JSON: such results are kept as the text Python writes for them (`NaN` literals).
            if any(r["score"] != r["score"] for r in res):
                case["results_text"] = json.dumps(res)
            else:
                case["results"] = res
            cases.append(case)
    path = os.path.join(HERE, "lvis_eval_fixture.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/reference/lvis_fixture.py (lvis 0.5.3, pycocotools 2.0.11)",
                   "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
