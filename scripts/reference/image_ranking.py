"""Reference for `ltdet viz --rank`: each image's score as mmdet 2.x's tools/analysis_tools/analyze_results.py
computes it (`bbox_map_eval`: `eval_map` of the image alone at IoU 0.50:0.05:0.95, averaged), written here from
mmdet/core/evaluation/mean_ap.py (tpfp_default, average_precision 'area', eval_map's mean over classes with
ground truth) and bbox_overlaps.py; with --category, that class's AP in each image holding it. Compares with
the ranking.csv LTDet wrote: the same images, scores equal to 1e-6 (mmdet keeps AP in float32), worst first.

Usage: image_ranking.py --gt GT.json --results RESULTS.json --ranking ranking.csv [--category ID]"""
import argparse
import csv
import json
import sys

import numpy as np


def bbox_overlaps(b1, b2, eps=1e-6):
    ious = np.zeros((b1.shape[0], b2.shape[0]), dtype=np.float64)
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    for i in range(b1.shape[0]):
        xs, ys = np.maximum(b1[i, 0], b2[:, 0]), np.maximum(b1[i, 1], b2[:, 1])
        xe, ye = np.minimum(b1[i, 2], b2[:, 2]), np.minimum(b1[i, 3], b2[:, 3])
        overlap = np.maximum(xe - xs, 0) * np.maximum(ye - ys, 0)
        ious[i] = overlap / np.maximum(area1[i] + area2 - overlap, eps)
    return ious


def tpfp_default(det, gt, iou_thr):
    tp, fp = np.zeros(len(det), dtype=np.float32), np.zeros(len(det), dtype=np.float32)
    if len(gt) == 0:
        fp[...] = 1
        return tp, fp
    ious = bbox_overlaps(det[:, :4], gt) if len(det) else np.zeros((0, len(gt)))
    if len(det) == 0:
        return tp, fp
    ious_max, ious_argmax = ious.max(axis=1), ious.argmax(axis=1)
    covered = np.zeros(len(gt), dtype=bool)
    for i in np.argsort(-det[:, -1], kind="stable"):
        if ious_max[i] >= iou_thr:
            j = ious_argmax[i]
            if not covered[j]:
                covered[j] = True
                tp[i] = 1
            else:
                fp[i] = 1
        else:
            fp[i] = 1
    return tp, fp


def average_precision(recalls, precisions):
    mrec = np.hstack(([0], recalls, [1]))
    mpre = np.hstack(([0], precisions, [0]))
    for i in range(len(mpre) - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    ind = np.where(mrec[1:] != mrec[:-1])[0]
    return np.float32(np.sum((mrec[ind + 1] - mrec[ind]) * mpre[ind + 1]))


def eval_map_one_image(dets_by_class, gts_by_class, classes, iou_thr):
    """eval_map([image result], [image annotation]): (mean AP over classes with ground truth, {class: ap})."""
    aps = {}
    for c in classes:
        det = dets_by_class.get(c, np.zeros((0, 5)))
        gt = gts_by_class.get(c, np.zeros((0, 4)))
        tp, fp = tpfp_default(det, gt, iou_thr)
        order = np.argsort(-det[:, -1], kind="stable")
        tp, fp = np.cumsum(tp[order]), np.cumsum(fp[order])
        eps = np.finfo(np.float32).eps
        recalls = tp / np.maximum(len(gt), eps)
        precisions = tp / np.maximum(tp + fp, eps)
        if len(gt) > 0:
            aps[c] = average_precision(recalls, precisions)
    mean_ap = np.array(list(aps.values())).mean().item() if aps else 0.0
    return mean_ap, aps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gt", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--ranking", required=True)
    p.add_argument("--category", type=int)
    args = p.parse_args()
    gt = json.load(open(args.gt))
    results = json.load(open(args.results))
    classes = sorted(c["id"] for c in gt["categories"])
    gts, dets = {}, {}
    for a in gt["annotations"]:
        if a.get("iscrowd", 0):
            continue
        x, y, w, h = a["bbox"]
        gts.setdefault(a["image_id"], {}).setdefault(a["category_id"], []).append([x, y, x + w, y + h])
    for r in results:
        x, y, w, h = r["bbox"]
        dets.setdefault(r["image_id"], {}).setdefault(r["category_id"], []).append([x, y, x + w, y + h, r["score"]])
    thresholds = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
    expected = {}
    for image in gt["images"]:
        i = image["id"]
        g = {c: np.array(v, dtype=np.float64) for c, v in gts.get(i, {}).items()}
        d = {c: np.array(v, dtype=np.float64) for c, v in dets.get(i, {}).items()}
        if args.category is not None:
            if args.category not in g:
                continue
            expected[i] = sum(float(eval_map_one_image(d, g, classes, t)[1][args.category]) for t in thresholds) / len(thresholds)
        else:
            expected[i] = sum(eval_map_one_image(d, g, classes, t)[0] for t in thresholds) / len(thresholds)
    rows = list(csv.DictReader(open(args.ranking)))
    got = {int(r["image_id"]): float(r["score"]) for r in rows}
    failures = []
    if set(got) != set(expected):
        failures.append(f"images differ: only LTDet {sorted(set(got) - set(expected))[:5]}, only reference {sorted(set(expected) - set(got))[:5]}")
    for i in sorted(set(got) & set(expected)):
        if abs(got[i] - expected[i]) > 1e-6:
            failures.append(f"image {i}: LTDet {got[i]:.7f}, reference {expected[i]:.7f}")
    scores = [float(r["score"]) for r in rows]
    if any(b < a for a, b in zip(scores, scores[1:])):
        failures.append("ranking.csv is not worst first")
    what = f"category {args.category}" if args.category is not None else "bbox mAP"
    spread = f"{min(expected.values()):.3f}..{max(expected.values()):.3f}" if expected else "-"
    print(f"image_ranking ({what}): {len(expected)} images (scores {spread}), {len(failures)} failures")
    for f in failures[:10]:
        print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
