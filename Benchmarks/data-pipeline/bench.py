"""The Python side of the data-pipeline benchmark: the same per-image work as the Swift side
(Swift/Sources/bench-data-pipeline/main.swift) with Pillow and numpy, on one thread: decode, resize
(bilinear) to short side 640 + 32 * (i % 6) with long side <= 1333, flip when i is odd, rasterise
each polygon mask at the transformed size (PIL ImageDraw), normalise (mmdet mean/std, RGB) and pad
to a multiple of 32 into a CHW float32 array.

Usage: bench.py ANNOTATIONS.json IMAGE_ROOT [PASSES]
"""
import json
import os
import sys
import time

import numpy as np
from PIL import Image, ImageDraw

MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)


def main():
    ann_path, root = sys.argv[1], sys.argv[2]
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    data = json.load(open(ann_path))
    anns = {}
    for a in data["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    items = []
    for img in data["images"]:
        if img["id"] not in anns:
            continue
        relative = "/".join(img["coco_url"].split("/")[-2:]) if img.get("coco_url") else img["file_name"]
        items.append((os.path.join(root, relative), anns[img["id"]]))

    checksum, masks = 0.0, 0
    start = time.perf_counter()
    for _ in range(passes):
        for index, (path, annotations) in enumerate(items):
            image = Image.open(path).convert("RGB")
            w, h = image.size
            short = 640 + 32 * (index % 6)
            scale = min(short / min(w, h), 1333 / max(w, h))
            nw, nh = int(w * scale + 0.5), int(h * scale + 0.5)
            image = image.resize((nw, nh), Image.BILINEAR)
            flip = index % 2 == 1
            if flip:
                image = image.transpose(Image.FLIP_LEFT_RIGHT)
            sx, sy = nw / w, nh / h
            boxes, bitmaps = [], []
            for a in annotations:
                x, y, bw, bh = a["bbox"]
                box = [x * sx, y * sy, (x + bw) * sx, (y + bh) * sy]
                if flip:
                    box = [nw - box[2], box[1], nw - box[0], box[3]]
                boxes.append(box)
                canvas = Image.new("L", (nw, nh), 0)
                draw = ImageDraw.Draw(canvas)
                for polygon in a["segmentation"]:
                    xs = np.asarray(polygon[0::2]) * sx
                    ys = np.asarray(polygon[1::2]) * sy
                    if flip:
                        xs = nw - xs
                    draw.polygon(list(zip(xs.tolist(), ys.tolist())), fill=1)
                bitmap = np.asarray(canvas)
                masks += 1 if bitmap.any() else 0
                bitmaps.append(bitmap)
            pixels = (np.asarray(image, dtype=np.float32) - MEAN) / STD
            ph, pw = (nh + 31) // 32 * 32, (nw + 31) // 32 * 32
            padded = np.zeros((3, ph, pw), dtype=np.float32)
            padded[:, :nh, :nw] = pixels.transpose(2, 0, 1)
            checksum += float(padded.reshape(-1)[padded.size // 2])
    seconds = time.perf_counter() - start
    images = passes * len(items)
    print(f"python single-thread {images / seconds:.1f} images/s ({images} images, {masks} masks, {seconds:.2f} s, "
          f"checksum {checksum:.3f})")


if __name__ == "__main__":
    main()
