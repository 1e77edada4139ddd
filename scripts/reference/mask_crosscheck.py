#!/usr/bin/env python3
"""Cross-checks LVISKit's mask functions against pycocotools 2.0.11 on random inputs: polygon to RLE
(single and merged parts), box to RLE, mask encode / decode, compressed string codec (both ways, on
uncompressed counts too), area, toBbox, merge (union and intersection) and IoU of boxes and masks with crowd
flags; plus invalid RLEs, which LTDet must reject (pycocotools does not always).

    mask_crosscheck.py --seed S [--cases N] [--ltdet BIN]

Every output must be identical (strings, integers, and IoU doubles bit for bit). Exit 0 when all agree.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pycocotools.mask as mu


def rand_size(rng):
    return int(rng.integers(1, 48)), int(rng.integers(1, 48))


def rand_polygon(rng, h, w):
    k = int(rng.integers(3, 14))
    style = rng.random()
    if style < 0.3:  # integral and half-integral vertices: the rasteriser's rounding edges
        pts = rng.integers(-3, max(h, w) + 3, size=2 * k) / 2.0
    elif style < 0.4:  # repeated vertices and axis-aligned edges
        pts = np.repeat(rng.uniform(-2, max(h, w) + 2, size=k), 2)
    elif style < 0.5:  # vertices far outside the image: the edge walk skips the steps that cannot count
        pts = rng.uniform(-0.2 * max(h, w), 1.2 * max(h, w), size=2 * k)
        far = rng.random(2 * k) < 0.3
        pts[far] = rng.uniform(-1e5, 1e5, size=int(far.sum()))
    else:
        pts = rng.uniform(-0.2 * max(h, w), 1.2 * max(h, w), size=2 * k)
    return [float(v) for v in pts]


def rand_mask(rng, h, w):
    style = rng.random()
    if style < 0.1:
        m = np.zeros((h, w), dtype=np.uint8)
    elif style < 0.2:
        m = np.ones((h, w), dtype=np.uint8)
    elif style < 0.6:
        m = (rng.random((h, w)) < rng.random()).astype(np.uint8)
    else:  # blobs
        m = np.zeros((h, w), dtype=np.uint8)
        for _ in range(int(rng.integers(1, 4))):
            y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
            m[y0:y0 + int(rng.integers(1, h + 1)), x0:x0 + int(rng.integers(1, w + 1))] = 1
    return np.asfortranarray(m)


def bits_of(m):
    return (m.flatten(order="F").astype(np.uint8) + 48).tobytes().decode("ascii")


def counts_of(m):
    """Runs of 0 and 1 of the column-major mask, starting with a (possibly empty) run of 0."""
    flat = np.concatenate([[0], m.flatten(order="F").astype(np.int8) != 0]).astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1  # positions (in flat) where the value changes
    edges = np.concatenate([[1], change, [len(flat)]])
    return [int(c) for c in np.diff(edges)]


def enc(m):
    return mu.encode(np.asfortranarray(m.reshape(m.shape[0], m.shape[1], 1)))[0]


def rand_box(rng, h, w):
    x, y = rng.uniform(-5, w + 5), rng.uniform(-5, h + 5)
    bw, bh = rng.uniform(0, w), rng.uniform(0, h)
    if rng.random() < 0.2:
        x, y, bw, bh = float(int(x)), float(int(y)), float(int(bw)), float(int(bh))
    return [float(x), float(y), float(bw), float(bh)]


def build(rng, n):
    """Inputs for LTDet and the outputs pycocotools gives for them."""
    batch = {k: [] for k in ("polygons", "boxes", "masks", "uncompressed", "strings", "merges", "ious", "invalid")}
    expect = {k: [] for k in batch}
    per = max(1, n // 7)
    for _ in range(per):  # polygons, merged parts
        h, w = rand_size(rng)
        polys = [rand_polygon(rng, h, w) for _ in range(int(rng.integers(1, 4)))]
        parts = mu.frPyObjects(polys, h, w)
        merged = mu.merge(parts)
        batch["polygons"].append({"h": h, "w": w, "polygons": polys})
        expect["polygons"].append({"parts": [p["counts"].decode() for p in parts], "merged": merged["counts"].decode(),
                                   "area": int(mu.area(merged)), "bbox": [float(v) for v in mu.toBbox(merged)]})
    for _ in range(per):  # boxes
        h, w = rand_size(rng)
        box = rand_box(rng, h, w)
        batch["boxes"].append({"h": h, "w": w, "box": box})
        expect["boxes"].append(mu.frPyObjects(np.array([box], dtype=np.float64), h, w)[0]["counts"].decode())
    for _ in range(per):  # masks: encode, area, toBbox, decode
        h, w = rand_size(rng)
        m = rand_mask(rng, h, w)
        r = enc(m)
        batch["masks"].append({"h": h, "w": w, "bits": bits_of(m)})
        expect["masks"].append({"counts": r["counts"].decode(), "area": int(mu.area(r)),
                                "bbox": [float(v) for v in mu.toBbox(r)], "bits": bits_of(mu.decode(r))})
    for _ in range(per):  # uncompressed counts -> string (with zero runs in the middle)
        h, w = rand_size(rng)
        counts = counts_of(rand_mask(rng, h, w))
        if rng.random() < 0.3 and len(counts) > 2:
            i = int(rng.integers(1, len(counts)))
            counts = counts[:i] + [0, 0] + counts[i:]
        batch["uncompressed"].append({"h": h, "w": w, "counts": counts})
        expect["uncompressed"].append(mu.frPyObjects({"size": [h, w], "counts": counts}, h, w)["counts"].decode())
    for _ in range(per):  # strings -> counts, area, bbox, decode, re-encode (large images: long counts)
        h, w = (int(rng.integers(1, 48)), int(rng.integers(1, 48))) if rng.random() < 0.95 else \
            (int(rng.integers(200, 1500)), int(rng.integers(200, 1500)))
        if h * w > 5000:
            r = mu.frPyObjects([rand_polygon(rng, h, w)], h, w)[0]
        else:
            r = enc(rand_mask(rng, h, w))
        s = r["counts"].decode()
        dec = mu.decode(r)
        batch["strings"].append({"h": h, "w": w, "counts": s, "bits": h * w <= 5000})
        expect["strings"].append({"counts": counts_of(dec), "area": int(mu.area(r)),
                                  "bbox": [float(v) for v in mu.toBbox(r)],
                                  "bits": bits_of(dec) if h * w <= 5000 else None, "string": s})
    for _ in range(per):  # merges
        h, w = rand_size(rng)
        rles = [enc(rand_mask(rng, h, w)) for _ in range(int(rng.integers(1, 5)))]
        inter = bool(rng.random() < 0.5)
        batch["merges"].append({"h": h, "w": w, "rles": [r["counts"].decode() for r in rles], "intersect": inter})
        expect["merges"].append(mu.merge(rles, intersect=int(inter))["counts"].decode())
    for _ in range(per):  # IoU of boxes and masks, with crowd flags
        h, w = rand_size(rng)
        nd, ng = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        crowd = [int(rng.random() < 0.3) for _ in range(ng)]
        if rng.random() < 0.5:
            dt = [rand_box(rng, h, w) for _ in range(nd)]
            gt = [rand_box(rng, h, w) for _ in range(ng)]
            iou = mu.iou(dt, gt, crowd)
            batch["ious"].append({"kind": "bbox", "dt": dt, "gt": gt, "iscrowd": crowd})
        else:
            dt = [enc(rand_mask(rng, h, w)) for _ in range(nd)]
            gt = [enc(rand_mask(rng, h, w)) for _ in range(ng)]
            iou = mu.iou(dt, gt, crowd)
            batch["ious"].append({"kind": "segm", "h": h, "w": w, "dt": [r["counts"].decode() for r in dt],
                                  "gt": [r["counts"].decode() for r in gt], "iscrowd": crowd})
        expect["ious"].append([[float(v) for v in row] for row in np.asarray(iou).reshape(nd, ng)])
    # Invalid RLEs: bad characters, truncated strings, sums differing from h*w. All must be rejected.
    for _ in range(max(20, per // 50)):
        h, w = rand_size(rng)
        good = enc(rand_mask(rng, h, w))["counts"].decode()
        kind = int(rng.integers(0, 4))
        if kind == 0:
            bad = good[: len(good) // 2] + chr(int(rng.choice([32, 40, 47, 112, 126]))) + good[len(good) // 2:]
        elif kind == 1:
            bad = good + "o"  # continuation bit on the last character
        elif kind == 2:
            bad = mu.frPyObjects({"size": [h, w], "counts": counts_of(rand_mask(rng, h, w)) + [3]}, h, w)["counts"].decode()
        else:
            batch["invalid"].append({"h": h, "w": w, "counts": counts_of(rand_mask(rng, h, w))[:-1] + [h * w + 1]})
            expect["invalid"].append("error")
            continue
        batch["invalid"].append({"h": h, "w": w, "counts": bad})
        expect["invalid"].append("error")
    return batch, expect


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cases", type=int, default=14000)
    ap.add_argument("--ltdet", default=os.environ.get("LTDET_BIN", "ltdet"))
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    batch, expect = build(rng, args.cases)
    t1 = time.time()
    with tempfile.TemporaryDirectory() as d:
        inp, out = os.path.join(d, "in.json"), os.path.join(d, "out.json")
        with open(inp, "w") as f:
            json.dump(batch, f)
        proc = subprocess.run([args.ltdet, "mask-tool", "--in", inp, "--out", out], capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stdout + proc.stderr)
            sys.exit(f"ltdet mask-tool failed (exit {proc.returncode})")
        with open(out) as f:
            got = json.load(f)
    t2 = time.time()
    failures, total = 0, 0
    for section, wanted in expect.items():
        mine = got.get(section, [])
        bad = 0
        for i, (e, m) in enumerate(zip(wanted, mine)):
            if section == "invalid":
                ok = m is not None
            elif section == "strings" and e["bits"] is None:
                ok = {k: v for k, v in e.items() if k != "bits"} == {k: v for k, v in m.items() if k != "bits"}
            else:
                ok = e == m
            if not ok:
                bad += 1
                if bad <= 3:
                    print(f"  {section}[{i}]: input {json.dumps(batch[section][i])[:300]}\n"
                          f"    ltdet     {json.dumps(m)[:300]}\n    pycocotools {json.dumps(e)[:300]}")
        if len(mine) != len(wanted):
            bad += abs(len(mine) - len(wanted))
        print(f"  {section}: {len(wanted)} cases, {bad} mismatches")
        failures += bad
        total += len(wanted)
    print(f"mask cross-check seed {args.seed}: {total} cases ({t1 - t0:.1f} s pycocotools, {t2 - t1:.1f} s ltdet), "
          + ("OK" if failures == 0 else f"FAILED ({failures} mismatches)"))
    sys.exit(0 if failures == 0 else 1)


if __name__ == "__main__":
    main()
