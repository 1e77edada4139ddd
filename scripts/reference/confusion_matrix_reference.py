#!/usr/bin/env python3
"""An independent Python implementation of mmdet 2.x's detection confusion matrix
(tools/analysis_tools/confusion_matrix.py: calculate_confusion_matrix / analyze_per_img_dets, with the ground
truth that CocoDataset._parse_ann_info keeps and mmdet.core.evaluation.bbox_overlaps), compared cell for cell
with `ltdet confusion-matrix`'s confusion_matrix.npy.

    confusion_matrix_reference.py --gt GT.json --results RES.json --ltdet BIN [--score-thr 0.3] [--tp-iou-thr 0.5]

Exit status 0 when every cell is equal, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def bbox_overlaps(bboxes1, bboxes2, eps=1e-6):
    """mmdet 2.x bbox_overlaps, mode 'iou', use_legacy_coordinate False: float32, no +1, union >= eps."""
    bboxes1 = bboxes1.astype(np.float32)
    bboxes2 = bboxes2.astype(np.float32)
    rows, cols = bboxes1.shape[0], bboxes2.shape[0]
    ious = np.zeros((rows, cols), dtype=np.float32)
    if rows * cols == 0:
        return ious
    exchange = False
    if rows > cols:
        bboxes1, bboxes2 = bboxes2, bboxes1
        ious = np.zeros((cols, rows), dtype=np.float32)
        exchange = True
    area1 = (bboxes1[:, 2] - bboxes1[:, 0]) * (bboxes1[:, 3] - bboxes1[:, 1])
    area2 = (bboxes2[:, 2] - bboxes2[:, 0]) * (bboxes2[:, 3] - bboxes2[:, 1])
    for i in range(bboxes1.shape[0]):
        x_start = np.maximum(bboxes1[i, 0], bboxes2[:, 0])
        y_start = np.maximum(bboxes1[i, 1], bboxes2[:, 1])
        x_end = np.minimum(bboxes1[i, 2], bboxes2[:, 2])
        y_end = np.minimum(bboxes1[i, 3], bboxes2[:, 3])
        overlap = np.maximum(x_end - x_start, 0) * np.maximum(y_end - y_start, 0)
        union = np.maximum(area1[i] + area2 - overlap, eps)
        ious[i, :] = overlap / union
    return ious.T if exchange else ious


def parse_ann_info(img, anns, cat2label):
    """CocoDataset._parse_ann_info: the boxes and labels a test dataset hands the confusion matrix."""
    boxes, labels = [], []
    for ann in anns:
        if ann.get("ignore", False):
            continue
        x1, y1, w, h = ann["bbox"]
        inter_w = max(0, min(x1 + w, img["width"]) - max(x1, 0))
        inter_h = max(0, min(y1 + h, img["height"]) - max(y1, 0))
        if inter_w * inter_h == 0:
            continue
        if ann["area"] <= 0 or w < 1 or h < 1:
            continue
        if ann["category_id"] not in cat2label:
            continue
        if ann.get("iscrowd", False):
            continue  # bboxes_ignore: not part of the confusion matrix
        boxes.append([x1, y1, x1 + w, y1 + h])
        labels.append(cat2label[ann["category_id"]])
    return np.array(boxes, dtype=np.float32).reshape(-1, 4), np.array(labels, dtype=np.int64)


def analyze_per_img_dets(matrix, gt_bboxes, gt_labels, result, score_thr, tp_iou_thr):
    true_positives = np.zeros_like(gt_labels)
    for det_label, det_bboxes in enumerate(result):
        ious = bbox_overlaps(det_bboxes[:, :4], gt_bboxes)
        for i, det_bbox in enumerate(det_bboxes):
            score = det_bbox[4]
            det_match = 0
            if score >= score_thr:
                for j, gt_label in enumerate(gt_labels):
                    if ious[i, j] >= tp_iou_thr:
                        det_match += 1
                        if gt_label == det_label:
                            true_positives[j] += 1
                        matrix[gt_label, det_label] += 1
                if det_match == 0:
                    matrix[-1, det_label] += 1
    for num_tp, gt_label in zip(true_positives, gt_labels):
        if num_tp == 0:
            matrix[gt_label, -1] += 1


def reference(gt, results, score_thr, tp_iou_thr):
    cat_ids = sorted({c["id"] for c in gt["categories"]})
    cat2label = {c: i for i, c in enumerate(cat_ids)}
    anns = {}
    for a in gt["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    # mmdet's per-image result: one (n, 5) float32 array [x1, y1, x2, y2, score] per class.
    per_image = {}
    for d in results:
        x, y, w, h = d["bbox"]
        per_image.setdefault(d["image_id"], [[] for _ in cat_ids])[cat2label[d["category_id"]]].append(
            [x, y, x + w, y + h, d["score"]])
    matrix = np.zeros((len(cat_ids) + 1, len(cat_ids) + 1))
    for img in gt["images"]:
        gt_bboxes, gt_labels = parse_ann_info(img, anns.get(img["id"], []), cat2label)
        result = [np.array(r, dtype=np.float32).reshape(-1, 5) for r in per_image.get(img["id"], [[] for _ in cat_ids])]
        analyze_per_img_dets(matrix, gt_bboxes, gt_labels, result, score_thr, tp_iou_thr)
    return matrix


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gt", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--ltdet", required=True)
    ap.add_argument("--score-thr", type=float, default=0.3)
    ap.add_argument("--tp-iou-thr", type=float, default=0.5)
    args = ap.parse_args()
    with open(args.gt) as f:
        gt = json.load(f)
    with open(args.results) as f:
        results = json.load(f)
    want = reference(gt, results, args.score_thr, args.tp_iou_thr)
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([args.ltdet, "confusion-matrix", "--gt", args.gt, "--results", args.results, "--out", work,
                        "--score-thr", repr(args.score_thr), "--tp-iou-thr", repr(args.tp_iou_thr)],
                       check=True, stdout=subprocess.DEVNULL)
        got = np.load(os.path.join(work, "confusion_matrix.npy"))
    label = f"{os.path.basename(args.gt)} score>={args.score_thr} iou>={args.tp_iou_thr}"
    if got.shape != want.shape or not np.array_equal(got, want):
        diff = np.argwhere(got != want) if got.shape == want.shape else []
        print(f"confusion {label}: shapes {got.shape} / {want.shape}, {len(diff)} cells differ: "
              + ", ".join(f"[{r},{c}] {got[r, c]} != {want[r, c]}" for r, c in diff[:10]))
        return 1
    off = want[:-1, :-1].sum() - np.trace(want[:-1, :-1])
    print(f"confusion {label}: {want.shape[0]}x{want.shape[1]} equal ({int(want.sum())} counts, {int(off)} between classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
