#!/usr/bin/env bash
# Reference check of LVISKit (`ltdet eval`, `ltdet mask-tool`) against lvis-api 0.5.3 and pycocotools 2.0.11:
#  (a) a fresh random seed: small random LVIS ground truth + results with the hard cases, bbox and segm,
#      results with boxes and results with masks only, LVIS and COCO style;
#  (b) the real LVIS v0.5 val subset (../shared/data) with generated detections, bbox and segm;
#  (c) the real COCO subset and its fake results: 12 stats equal to pycocotools and to shared/data/README.md;
#  (d) mask functions on >= 10,000 random polygons, boxes and masks.
# Every metric and every precision/recall cell must agree within 1e-12. Needs LTDET_BIN and PYTHON
# (scripts/test exports them). Usage: check_lviskit.sh [SEED]
set -uo pipefail
cd "$(dirname "$0")/../.."

LTDET_BIN="${LTDET_BIN:-$PWD/.build/release/ltdet}"
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
SEED="${1:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
SHARED="$PWD/../shared/data"
[ -d "$SHARED" ] || SHARED="$(cd "$PWD/.." && pwd)/shared/data"
export LTDET_BIN
echo "check_lviskit: seed $SEED (rerun with: scripts/reference/check_lviskit.sh $SEED), ltdet $LTDET_BIN"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
run() { "$@" || { failed=$((failed + 1)); echo "FAILED: $*"; }; }
compare() { run "$PYTHON" scripts/reference/lvis_compare.py --ltdet "$LTDET_BIN" "$@"; }

start=$SECONDS
# (a) random synthetic sets: two seeds derived from SEED (different sizes).
for offset in 0 1; do
  s=$((SEED + offset))
  dir="$work/synthetic$offset"
  run "$PYTHON" scripts/reference/lvis_generate.py synthetic --seed "$s" --out "$dir" \
    --images $((30 + 20 * offset)) --categories $((25 + 15 * offset))
  for style in lvis coco; do
    for res in box mask; do
      for iou in bbox segm; do
        compare --gt "$dir/gt.json" --results "$dir/results_$res.json" --iou-type "$iou" --style "$style" \
          --label "synthetic seed $s results_$res $iou $style"
      done
    done
  done
done
# Fixed AP (no per-image cap; the synthetic sets have images with more than 300 detections).
compare --gt "$work/synthetic0/gt.json" --results "$work/synthetic0/results_box.json" --iou-type bbox --style lvis \
  --fixed-ap --label "synthetic seed $SEED results_box bbox lvis Fixed AP"

# (b) the real LVIS v0.5 val subset with generated detections.
lvis_gt="$SHARED/lvis/lvis_v0.5_val_100.json"
if [ -f "$lvis_gt" ]; then
  run "$PYTHON" scripts/reference/lvis_generate.py detections --gt "$lvis_gt" --seed "$SEED" --out "$work/lvis_res.json"
  for iou in bbox segm; do
    compare --gt "$lvis_gt" --results "$work/lvis_res.json" --iou-type "$iou" --style lvis --label "LVIS v0.5 val subset $iou"
  done
else
  echo "FAILED: $lvis_gt not found"; failed=$((failed + 1))
fi

# (c) the real COCO subset: pycocotools and the numbers listed in shared/data/README.md.
coco_gt="$SHARED/coco/instances_val2014_100.json"
for iou in bbox segm; do
  expected="$(grep -A2 -E "^- $iou:" "$SHARED/README.md" | tr -d '\n' | sed -E "s/^- $iou: *//; s/ *- (bbox|segm):.*//; s/ //g")"
  if [ "$(echo "$expected" | tr ',' '\n' | grep -c .)" != 12 ]; then
    echo "FAILED: could not read the 12 expected $iou stats from $SHARED/README.md"; failed=$((failed + 1)); continue
  fi
  compare --gt "$coco_gt" --results "$SHARED/coco/instances_val2014_fake${iou}100_results.json" --iou-type "$iou" \
    --style coco --expect-stats "$expected" --label "COCO val2014 subset $iou"
done

# (d) mask functions.
run "$PYTHON" scripts/reference/mask_crosscheck.py --seed "$SEED" --cases 14000

echo "check_lviskit: seed $SEED, $((SECONDS - start)) s, $failed failure(s)"
[ "$failed" = 0 ]
