"""Reference check of LTDet's test-time augmentation merges (`ltdet dev augmented-test`) against a Python
version of mmdet 2.x's formulas, written from mmdet/core/bbox/transforms.py (bbox_flip, bbox_mapping_back),
mmdet/core/post_processing/merge_augs.py (merge_aug_proposals, merge_aug_bboxes, merge_aug_masks) and
bbox_nms.py (multiclass_nms with mmcv's batched_nms), on fresh random views: several scales, mirrored or not.

mmdet averages the full score matrix (background column included) and all C mask channels; LTDet slices the
background off and selects each detection's own mask channel before averaging, so the inputs given to LTDet are
those slices: equal results also show that the slicing commutes with the merge.

Usage: augmented_test.py LTDET_BIN WORK_DIR SEED [CASES]"""
import subprocess
import sys

import numpy as np
import torch
import torchvision
from safetensors.numpy import load_file, save_file


def bbox_flip(bboxes, img_shape):
    w = img_shape[1]
    flipped = bboxes.clone()
    flipped[..., 0::4] = w - bboxes[..., 2::4]
    flipped[..., 2::4] = w - bboxes[..., 0::4]
    return flipped


def bbox_mapping_back(bboxes, img_shape, scale_factor, flip):
    new_bboxes = bbox_flip(bboxes, img_shape) if flip else bboxes
    new_bboxes = new_bboxes.view(-1, 4) / new_bboxes.new_tensor(scale_factor)
    return new_bboxes.view(bboxes.shape)


def merge_aug_proposals(aug_proposals, img_metas, nms_thr, max_num):
    recovered = []
    for proposals, info in zip(aug_proposals, img_metas):
        p = proposals.clone()
        p[:, :4] = bbox_mapping_back(p[:, :4], info["img_shape"], info["scale_factor"], info["flip"])
        recovered.append(p)
    aug = torch.cat(recovered, dim=0)
    keep = torchvision.ops.nms(aug[:, :4], aug[:, 4], nms_thr)  # mmcv's nms: kept boxes by descending score
    merged = aug[keep]
    _, order = merged[:, 4].sort(0, descending=True)
    return merged[order[: min(max_num, merged.shape[0])]]


def merge_aug_bboxes(aug_bboxes, aug_scores, img_metas):
    recovered = [bbox_mapping_back(b, i["img_shape"], i["scale_factor"], i["flip"]) for b, i in zip(aug_bboxes, img_metas)]
    return torch.stack(recovered).mean(dim=0), torch.stack(aug_scores).mean(dim=0)


def batched_nms(boxes, scores, idxs, iou_threshold):
    offsets = idxs.to(boxes) * (boxes.max() + 1)
    keep = torchvision.ops.nms(boxes + offsets[:, None], scores, iou_threshold)
    return keep


def multiclass_nms(multi_bboxes, multi_scores, score_thr, iou_thr, max_num):
    num_classes = multi_scores.size(1) - 1
    bboxes = multi_bboxes.view(multi_scores.size(0), -1, 4)
    scores = multi_scores[:, :-1]
    labels = torch.arange(num_classes).view(1, -1).expand_as(scores)
    bboxes, scores, labels = bboxes.reshape(-1, 4), scores.reshape(-1), labels.reshape(-1)
    inds = (scores > score_thr).nonzero(as_tuple=False).squeeze(1)
    bboxes, scores, labels = bboxes[inds], scores[inds], labels[inds]
    if bboxes.numel() == 0:
        return bboxes, scores, labels
    keep = batched_nms(bboxes, scores, labels, iou_thr)[:max_num]
    return bboxes[keep], scores[keep], labels[keep]


def merge_aug_masks(aug_masks, img_metas):
    recovered = [m[:, :, :, ::-1] if i["flip"] else m for m, i in zip(aug_masks, img_metas)]
    return np.mean(recovered, axis=0)


def random_boxes(rng, n, width, height, centres=None):
    """n boxes inside width x height; around a few shared centres so that NMS has overlaps to decide."""
    if centres is None:
        centres = rng.uniform([0, 0], [width, height], size=(max(1, n // 4), 2))
    c = centres[rng.integers(0, len(centres), n)] + rng.normal(0, 0.05 * width, size=(n, 2))
    wh = rng.uniform(0.05, 0.5, size=(n, 2)) * [width, height]
    b = np.concatenate([c - wh / 2, c + wh / 2], axis=1)
    return np.clip(b, 0, [width, height, width, height])


def main():
    binary, work, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cases = int(sys.argv[4]) if len(sys.argv) > 4 else 12
    rng = np.random.default_rng(seed)
    failures = []
    detections = 0
    for case in range(cases):
        ow, oh = int(rng.integers(40, 900)), int(rng.integers(40, 900))
        scales = sorted(rng.choice([0.5, 0.75, 1.0, 1.25, 1.6], size=int(rng.integers(1, 4)), replace=False))
        flip = bool(rng.integers(0, 2)) or len(scales) == 1
        metas = []
        for s in scales:
            vw, vh = max(1, int(ow * s + 0.5)), max(1, int(oh * s + 0.5))
            for mirrored in ([False, True] if flip else [False]):
                metas.append({"img_shape": (vh, vw), "scale_factor": [vw / ow, vh / oh, vw / ow, vh / oh], "flip": mirrored})
        v = len(metas)
        c, n, k, side = int(rng.integers(1, 9)), int(rng.integers(1, 60)), int(rng.integers(1, 12)), 7
        rpn, rcnn = (float(rng.choice([0.5, 0.7])), int(rng.integers(5, 80))), (float(rng.choice([0.05, 0.2, 0.4])), 0.5, int(rng.integers(1, 30)))
        tensors = {
            "metas": np.array([[m["img_shape"][1], m["img_shape"][0], *m["scale_factor"][:2], float(m["flip"])] for m in metas]),
            "rpn": np.array(rpn, dtype=np.float64), "rcnn": np.array(rcnn, dtype=np.float64),
        }
        aug_proposals, aug_boxes, aug_scores, aug_masks = [], [], [], []
        labels_for_masks = rng.integers(0, c, k)
        for i, m in enumerate(metas):
            vh, vw = m["img_shape"]
            p = random_boxes(rng, int(rng.integers(1, 40)), vw, vh)
            ps = rng.uniform(0, 1, len(p))
            tensors[f"proposals_{i}"], tensors[f"proposal_scores_{i}"] = p, ps
            aug_proposals.append(torch.from_numpy(np.concatenate([p, ps[:, None]], axis=1)))
            b = np.concatenate([random_boxes(rng, n, vw, vh) for _ in range(c)], axis=1)
            logits = rng.normal(0, 2, size=(n, c + 1))
            full = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
            tensors[f"boxes_{i}"], tensors[f"scores_{i}"] = b, full[:, :c].copy()
            aug_boxes.append(torch.from_numpy(b))
            aug_scores.append(torch.from_numpy(full))
            masks = rng.uniform(0, 1, size=(k, c, side, side))
            aug_masks.append(masks)
            tensors[f"masks_{i}"] = masks[np.arange(k), labels_for_masks].copy()
        out_path, in_path = f"{work}/case{case}.out.safetensors", f"{work}/case{case}.in.safetensors"
        save_file({key: np.ascontiguousarray(val, dtype=np.float64) for key, val in tensors.items()}, in_path)
        run = subprocess.run([binary, "dev", "augmented-test", "--in", in_path, "--out", out_path], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"case {case}: ltdet failed: {run.stderr.strip()}")
            continue
        got = load_file(out_path)

        proposals = merge_aug_proposals(aug_proposals, metas, rpn[0], rpn[1]).numpy()
        boxes, scores = merge_aug_bboxes(aug_boxes, aug_scores, metas)
        det_boxes, det_scores, det_labels = multiclass_nms(boxes, scores, *rcnn)
        masks = merge_aug_masks(aug_masks, metas)[np.arange(k), labels_for_masks]
        detections += len(det_labels)
        expected = {
            "merged_proposals": proposals[:, :4], "merged_proposal_scores": proposals[:, 4],
            "merged_boxes": boxes.numpy(), "merged_scores": scores[:, :c].numpy(),
            "det_boxes": det_boxes.numpy().reshape(-1, 4), "det_scores": det_scores.numpy(),
            "det_labels": det_labels.numpy(), "merged_masks": masks,
        }
        for key, want in expected.items():
            have = got[key]
            if have.shape != want.shape and not (have.size == 0 and want.size == 0):
                failures.append(f"case {case} ({v} views, {c} classes): {key} shape {have.shape}, reference {want.shape}")
            elif have.size and not np.allclose(have, want, rtol=1e-9, atol=1e-9):
                worst = float(np.abs(have.astype(np.float64) - want).max())
                failures.append(f"case {case} ({v} views, {c} classes): {key} differs by up to {worst:.3g}")
    print(f"augmented_test: {cases} cases, {detections} merged detections compared, {len(failures)} failures")
    for f in failures[:20]:
        print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
