#!/usr/bin/env bash
# Reference check of the per-category table (`ltdet eval --per-class`): AP and AR of every category equal to
# lvis-api 0.5.3's precision/recall arrays averaged per category, on fresh random LVIS sets (bbox and segm,
# training counts from a --train-ann file) and on the real LVIS v0.5 val subset with generated detections.
# Needs LTDET_BIN and PYTHON (scripts/test exports them). Usage: check_per_class.sh [SEED]
source "$(dirname "$0")/common.sh" check_per_class "${1:-}"
echo "check_per_class: seed $SEED (rerun with: scripts/reference/check_per_class.sh $SEED), ltdet $LTDET_BIN"

for offset in 0 1; do
  s=$((SEED + offset))
  run "$PYTHON" scripts/reference/lvis_generate.py synthetic --seed "$s" --out "$work/a$offset" --images 40 --categories 30
  run "$PYTHON" scripts/reference/lvis_generate.py synthetic --seed "$((s + 1000))" --out "$work/train$offset" --images 60 --categories 30
  for iou in bbox segm; do
    run "$PYTHON" scripts/reference/per_class_compare.py --ltdet "$LTDET_BIN" --gt "$work/a$offset/gt.json" \
      --results "$work/a$offset/results_box.json" --iou-type "$iou" --train-ann "$work/train$offset/gt.json"
  done
done

lvis_gt="$SHARED/lvis/lvis_v0.5_val_100.json"
if [ -f "$lvis_gt" ]; then
  run "$PYTHON" scripts/reference/lvis_generate.py detections --gt "$lvis_gt" --seed "$SEED" --out "$work/lvis_res.json"
  for iou in bbox segm; do
    run "$PYTHON" scripts/reference/per_class_compare.py --ltdet "$LTDET_BIN" --gt "$lvis_gt" \
      --results "$work/lvis_res.json" --iou-type "$iou"
  done
else
  echo "FAILED: $lvis_gt not found"; failed=$((failed + 1))
fi
finish_check
