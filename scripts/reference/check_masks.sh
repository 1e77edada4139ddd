#!/usr/bin/env bash
# Training mask targets against mmdet 2.x's paths written with pycocotools and numpy (scripts/reference/masks.py), on
# the real LVIS v0.5 and COCO subsets in ../shared/data: poly2mask=True (rasterise at the original size, nearest
# rescale, flip) and poly2mask=False (PolygonMasks rescaled and flipped, cut out and rasterised in each RoI at 28 x 28).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=()
for f in ../shared/data/lvis/lvis_v0.5_val_100.json ../shared/data/coco/instances_val2014_100.json; do
  if [ -f "$f" ]; then files+=("$f"); else echo "check_masks: note: $f not found, skipped"; fi
done
if [ ${#files[@]} = 0 ]; then echo "check_masks: no annotation file, skipped"; exit 0; fi
# IMAGES=N checks the first N images of each file (a debug build is slow); the default is all of them.
"$PYTHON" -W ignore scripts/reference/masks.py "$LTDET_BIN" "$work" "${SEED:-$RANDOM}" "${IMAGES:-0}" "${files[@]}"
