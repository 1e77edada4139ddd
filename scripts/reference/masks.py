"""Training mask targets against mmdet 2.x's path, written with pycocotools and numpy, through `ltdet dev masks`.

    python masks.py LTDET_BIN WORKDIR SEED IMAGES ANNOTATION_FILE...

IMAGES: how many images of each file (with targets) to check, 0 for all.

mmdet's path (read for facts: mmdet/datasets/pipelines/loading.py `LoadAnnotations(poly2mask=True)._poly2mask`,
transforms.py `Resize._resize_masks` and `RandomFlip`, mmdet/core/mask/structures.py `BitmapMasks.rescale` / `flip`,
mmcv `imrescale` / `rescale_size` / `imresize`):
1. rasterise each instance at the original image size: `frPyObjects(polygons, h, w)`, `merge`, `decode`;
2. rescale the bitmap like the image, keep ratio: scale = min(long / max(h, w), short / min(h, w)), new size
   int(w * scale + 0.5) x int(h * scale + 0.5), with `cv2.resize(..., INTER_NEAREST)`, whose `resizeNN` takes source
   pixel floor(x * (1 / (new_w / w))), clamped to the last one;
3. flip left-right (np.flip) when the image is flipped.
Step 2's index rule is written with numpy and, when OpenCV is installed, checked against cv2.resize itself.

For each file, scale (the LVIS short sides 640 and 800 and one drawn from 640..800) and flip, every mask LTDet makes
must equal mmdet's pixel for pixel. The script also reports how many pixels rasterising the scaled polygon (LTDet's
earlier way) would have changed, which is why the order matters.

The `poly2mask=False` path (eqlv2's LVIS configs), through `ltdet dev masks --rois-per-image N`, which writes random
boxes around each image's ground truth and the 28 x 28 targets LTDet makes in them (read for facts: loading.py
`LoadAnnotations(poly2mask=False)` keeps `PolygonMasks`; structures.py `PolygonMasks.rescale` / `resize`
(x * new_w / w, y * new_h / h) and `flip` (x -> new_w - x); mask_target.py `mask_target_single` (boxes clipped to
the image in float32) and `PolygonMasks.crop_and_resize` (move by the box corner, scale by size / max(side, 1)),
`to_ndarray` / `polygon_to_bitmap` (frPyObjects, merge, decode at 28 x 28)): every target must equal mmdet's.
Checked at the drawn scale, both flips (each file, 16 boxes an image), to keep CI short.
"""
import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pycocotools.mask as mask_util
from safetensors.numpy import load_file


def rasterise(segmentation, h, w):
    if isinstance(segmentation, list):
        rle = mask_util.merge(mask_util.frPyObjects(segmentation, h, w))
    elif isinstance(segmentation["counts"], list):
        rle = mask_util.frPyObjects(segmentation, h, w)
    else:
        rle = segmentation
    return mask_util.decode(rle)


def rescaled_size(w, h, short, long):
    scale = min(long / max(h, w), short / min(h, w))
    return int(w * float(scale) + 0.5), int(h * float(scale) + 0.5)


def nearest_like_opencv(mask, new_w, new_h):
    h, w = mask.shape
    xs = np.minimum(np.floor(np.arange(new_w) * (1.0 / (new_w / w))).astype(np.int64), w - 1)
    ys = np.minimum(np.floor(np.arange(new_h) * (1.0 / (new_h / h))).astype(np.int64), h - 1)
    return mask[ys[:, None], xs[None, :]]


def mmdet_mask(ann, info, short, long, flip, cv2):
    h, w = info["height"], info["width"]
    bitmap = rasterise(ann["segmentation"], h, w)
    new_w, new_h = rescaled_size(w, h, short, long)
    out = nearest_like_opencv(bitmap, new_w, new_h)
    if cv2 is not None and not np.array_equal(out, cv2.resize(bitmap, (new_w, new_h), interpolation=cv2.INTER_NEAREST)):
        raise AssertionError(f"annotation {ann['id']}: the numpy nearest rule differs from cv2.resize")
    return np.flip(out, axis=1) if flip else out


def scaled_polygon_mask(ann, info, short, long, flip):
    h, w = info["height"], info["width"]
    new_w, new_h = rescaled_size(w, h, short, long)
    sx, sy = new_w / w, new_h / h
    polygons = []
    for p in ann["segmentation"]:
        q = np.array(p, dtype=np.float64).reshape(-1, 2) * [sx, sy]
        if flip:
            q[:, 0] = new_w - q[:, 0]
        polygons.append(q.reshape(-1).tolist())
    return rasterise(polygons, new_h, new_w)


def mmdet_polygon_targets(ann_list, info, new_w, new_h, flip, rois, inds, size):
    """mmdet 2.x: PolygonMasks rescaled and flipped by the pipeline, then mask_target_single + crop_and_resize."""
    h, w = info["height"], info["width"]
    masks = []
    for ann in ann_list:
        parts = []
        for p in ann["segmentation"]:
            p = np.array(p)  # LoadAnnotations.process_polygons: float64
            p = p.copy()
            p[0::2] *= new_w / w
            p[1::2] *= new_h / h
            if flip:
                p[0::2] = new_w - p[0::2]
            parts.append(p)
        masks.append(parts)
    proposals_np = rois.copy()  # float32, as pos_proposals.cpu().numpy()
    proposals_np[:, [0, 2]] = np.clip(proposals_np[:, [0, 2]], 0, new_w)
    proposals_np[:, [1, 3]] = np.clip(proposals_np[:, [1, 3]], 0, new_h)
    targets = []
    for i in range(len(proposals_np)):
        bbox = proposals_np[i, :]
        x1, y1, x2, y2 = bbox
        bw = np.maximum(x2 - x1, 1)
        bh = np.maximum(y2 - y1, 1)
        h_scale = size / max(bh, 0.1)
        w_scale = size / max(bw, 0.1)
        resized = []
        for p in masks[int(inds[i])]:
            p = p.copy()
            p[0::2] -= bbox[0]
            p[1::2] -= bbox[1]
            p[0::2] *= w_scale
            p[1::2] *= h_scale
            resized.append(p)
        rle = mask_util.merge(mask_util.frPyObjects(resized, size, size))
        targets.append(mask_util.decode(rle).astype(bool))
    return np.stack(targets).astype(np.uint8)


def check_polygon_targets(ltdet, work, path, anns, imgs, short, flip, seed, images):
    out = f"{work}/targets.safetensors"
    run = subprocess.run([ltdet, "dev", "masks", "--ann", path, "--short-side", str(short), "--out", out,
                          "--images", str(images), "--rois-per-image", "16", "--seed", str(seed)]
                         + (["--flip"] if flip else []), capture_output=True, text=True)
    if run.returncode != 0:
        print(f"FAIL {path} poly2mask=False short {short} flip {flip}: ltdet exited {run.returncode}: {run.stderr.strip()}")
        return 1
    got = load_file(out)
    targets = wrong = clipped = pixels = 0
    for key in (k for k in got if k.startswith("targets.")):
        image_id = int(key.split(".", 1)[1])
        new_w, new_h = (int(v) for v in got[f"size.{image_id}"])
        info = imgs[image_id]
        if (new_w, new_h) != rescaled_size(info["width"], info["height"], short, 1333):
            print(f"FAIL {path} image {image_id}: transformed size {new_w} x {new_h} is not mmdet's")
            return 1
        rois = got[f"rois.{image_id}"]
        want = mmdet_polygon_targets([anns[int(a)] for a in got[f"ids.{image_id}"]], info, new_w, new_h, flip, rois,
                                     got[f"inds.{image_id}"], 28)
        mine = got[key]
        targets += len(mine)
        pixels += int(want.sum())
        clipped += int(((rois[:, 0] < 0) | (rois[:, 1] < 0) | (rois[:, 2] > new_w) | (rois[:, 3] > new_h)).sum())
        for i in np.nonzero((mine != want).reshape(len(mine), -1).any(axis=1))[0]:
            wrong += 1
            if wrong <= 3:
                print(f"FAIL {path} image {image_id} box {rois[i].tolist()} short {short} flip {flip}: "
                      f"{int((mine[i] != want[i]).sum())} of {want[i].size} pixels differ from mmdet's")
    if wrong or targets == 0:
        print(f"FAIL {path} poly2mask=False short {short} flip {flip}: {wrong} of {targets} targets differ from mmdet's")
        return 1
    print(f"masks: {path} poly2mask=False short {short} flip {flip}: {targets} RoI targets (28 x 28, {clipped} boxes "
          f"clipped to the image, {pixels} mask pixels) equal mmdet's PolygonMasks.crop_and_resize")
    return 0


PAGE = 20  # images per `ltdet dev masks` call


def main():
    ltdet, work, seed, images, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
    try:
        import cv2
    except ImportError:
        cv2 = None
    rng = np.random.default_rng(seed)
    failures = 0
    for path in files:
        with open(path) as f:
            data = json.load(f)
        anns = {a["id"]: a for a in data["annotations"]}
        imgs = {i["id"]: i for i in data["images"]}
        shorts = (640, 800, int(rng.choice(np.arange(640, 801, 32))))
        for n, short in enumerate(shorts):
            for flip in (False, True):
                out = f"{work}/masks.safetensors"
                masks = wrong = pixels = moved = polygon_masks = 0
                failed = False
                # A page of PAGE images at a time: all of them at full size would take ~1 GB of /tmp.
                for skip in itertools.count(0, PAGE):
                    page = PAGE if images == 0 else min(PAGE, images - skip)
                    if page <= 0:
                        break
                    run = subprocess.run([ltdet, "dev", "masks", "--ann", path, "--short-side", str(short), "--out", out,
                                          "--images", str(page), "--skip-images", str(skip)]
                                         + (["--flip"] if flip else []), capture_output=True, text=True)
                    if run.returncode != 0:
                        print(f"FAIL {path} short {short} flip {flip}: ltdet exited {run.returncode}: {run.stderr.strip()}")
                        failed = True
                        break
                    got = load_file(out)
                    os.remove(out)
                    keys = [k for k in got if k.startswith("masks.")]
                    for key in keys:
                        image_id = int(key.split(".", 1)[1])
                        for ann_id, mask in zip(got[f"ids.{image_id}"], got[key]):
                            ann, info = anns[int(ann_id)], imgs[image_id]
                            want = mmdet_mask(ann, info, short, 1333, flip, cv2)
                            masks += 1
                            if mask.shape != want.shape or not np.array_equal(mask, want):
                                wrong += 1
                                if wrong <= 3:
                                    diff = "shape" if mask.shape != want.shape else int((mask != want).sum())
                                    print(f"FAIL {path} image {image_id} annotation {int(ann_id)} short {short} flip {flip}: "
                                          f"{diff} pixels differ from mmdet's")
                            if isinstance(ann["segmentation"], list):
                                pixels += int(want.sum())
                                moved += int((scaled_polygon_mask(ann, info, short, 1333, flip) != want).sum())
                                polygon_masks += 1
                    if len(keys) < page:
                        break
                if failed:
                    failures += 1
                    continue
                if n == len(shorts) - 1:  # the poly2mask=False targets at the drawn scale only (CI time)
                    failures += check_polygon_targets(ltdet, work, path, anns, imgs, short, flip, seed, images)
                if wrong or masks == 0:
                    failures += 1
                    print(f"FAIL {path} short {short} flip {flip}: {wrong} of {masks} masks differ from mmdet's")
                else:
                    print(f"masks: {path} short {short} flip {flip}: {masks} masks equal mmdet's "
                          f"(rasterising the scaled polygons would move {moved} of {pixels} mask pixels "
                          f"of {polygon_masks} masks)")
    print(f"masks: numpy's nearest rule {'checked against cv2.resize' if cv2 else 'not checked (no OpenCV)'} (seed {seed})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
