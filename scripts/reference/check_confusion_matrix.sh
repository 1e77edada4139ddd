#!/usr/bin/env bash
# Reference check of `ltdet confusion-matrix` against an independent Python implementation of mmdet 2.x's
# tools/analysis_tools/confusion_matrix.py (scripts/reference/confusion_matrix_reference.py): every cell equal on
# fresh random LVIS sets at several score and IoU thresholds, and on the real LVIS v0.5 val subset with generated
# detections. Needs LTDET_BIN and PYTHON (scripts/test exports them). Usage: check_confusion_matrix.sh [SEED]
source "$(dirname "$0")/common.sh" check_confusion_matrix "${1:-}"
echo "check_confusion_matrix: seed $SEED (rerun with: scripts/reference/check_confusion_matrix.sh $SEED), ltdet $LTDET_BIN"
compare() { run "$PYTHON" scripts/reference/confusion_matrix_reference.py --ltdet "$LTDET_BIN" "$@"; }

for offset in 0 1; do
  s=$((SEED + offset))
  run "$PYTHON" scripts/reference/lvis_generate.py synthetic --seed "$s" --out "$work/s$offset" \
    --images $((30 + 20 * offset)) --categories $((25 + 15 * offset))
  for thresholds in "0.3 0.5" "0.0 0.5" "0.05 0.3" "0.5 0.75"; do
    set -- $thresholds
    compare --gt "$work/s$offset/gt.json" --results "$work/s$offset/results_box.json" --score-thr "$1" --tp-iou-thr "$2"
  done
done

lvis_gt="$SHARED/lvis/lvis_v0.5_val_100.json"
if [ -f "$lvis_gt" ]; then
  run "$PYTHON" scripts/reference/lvis_generate.py detections --gt "$lvis_gt" --seed "$SEED" --out "$work/lvis_res.json"
  compare --gt "$lvis_gt" --results "$work/lvis_res.json" --score-thr 0.3 --tp-iou-thr 0.5
  compare --gt "$lvis_gt" --results "$work/lvis_res.json" --score-thr 0.05 --tp-iou-thr 0.5
else
  echo "FAILED: $lvis_gt not found"; failed=$((failed + 1))
fi
finish_check
