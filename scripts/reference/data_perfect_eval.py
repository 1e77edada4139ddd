"""Proves a synthetic split is valid LVIS: perfect detections made from its own ground truth must
score AP > 0.99 in lvis-api, for boxes and for masks.

Usage: data_perfect_eval.py ANNOTATIONS.json
"""
import json
import sys
import tempfile

import numpy as np

# lvis 0.5.3 still uses the alias np.float, removed in numpy 1.24.
np.float = float

from lvis import LVIS, LVISEval, LVISResults
from pycocotools import mask as mask_utils


def main():
    path = sys.argv[1]
    gt = LVIS(path)
    results = []
    for ann in gt.dataset["annotations"]:
        img = gt.imgs[ann["image_id"]]
        rle = mask_utils.merge(mask_utils.frPyObjects(ann["segmentation"], img["height"], img["width"]))
        rle["counts"] = rle["counts"].decode("ascii")
        results.append({"image_id": ann["image_id"], "category_id": ann["category_id"], "bbox": ann["bbox"],
                        "score": 1.0, "segmentation": rle})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(results, f)
        results_path = f.name
    failed = False
    for iou_type in ("bbox", "segm"):
        evaluator = LVISEval(gt, LVISResults(gt, results_path), iou_type)
        evaluator.run()
        ap = evaluator.results["AP"]
        groups = {k: evaluator.results[k] for k in ("APr", "APc", "APf")}
        print(f"data_perfect_eval {iou_type}: AP {ap:.4f} " + " ".join(f"{k} {v:.4f}" for k, v in groups.items()))
        failed |= not ap > 0.99
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
