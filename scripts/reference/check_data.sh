#!/usr/bin/env bash
# Reference checks of the data pipeline (issue 4), run by scripts/test:
#  1. `ltdet synth` is deterministic: the same arguments twice give byte-identical trees.
#  2. Repeat factors, ceil repeats, epoch lengths and one stochastic epoch from `ltdet stats --json`
#     equal scripts/reference/data_rfs.py on the synthetic training set and on the real LVIS v0.5
#     subset in ../shared/data (skipped with a note when that folder is absent).
#  3. Perfect detections built from the synthetic val set score AP > 0.99 in lvis-api (valid LVIS).
set -euo pipefail
cd "$(dirname "$0")/../.."
LTDET_BIN="${LTDET_BIN:-$PWD/.build/release/ltdet}"
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

synth=(synth --classes 24 --train-images 300 --val-images 80 --image-size 128 --seed 11)
"$LTDET_BIN" "${synth[@]}" --out "$work/a"
"$LTDET_BIN" "${synth[@]}" --out "$work/b" > /dev/null
if diff -r "$work/a" "$work/b" > /dev/null; then
  echo "check_data: synth is deterministic ($(find "$work/a" -type f | wc -l) identical files)"
else
  echo "check_data: FAIL: two runs of ltdet synth with the same arguments differ"; exit 1
fi

status=0
"$LTDET_BIN" stats --ann "$work/a/annotations/train.json" --plot "$work/longtail.png" > /dev/null
if [ "$(head -c 4 "$work/longtail.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then
  echo "check_data: ltdet stats wrote its long-tail plot"
else
  echo "check_data: FAIL: ltdet stats --plot did not write a PNG"; status=1
fi
rfs() {  # annotation file, threshold, seed
  "$LTDET_BIN" stats --ann "$1" --rfs-threshold "$2" --seed "$3" --json "$work/stats.json" > /dev/null
  "$PYTHON" scripts/reference/data_rfs.py "$1" "$work/stats.json" "$2" "$3" || status=1
}
rfs "$work/a/annotations/train.json" 0.001 0
rfs "$work/a/annotations/train.json" 0.05 5
shared="../shared/data/lvis/lvis_v0.5_val_100.json"
if [ -f "$shared" ]; then
  rfs "$shared" 0.001 0
  rfs "$shared" 0.1 3
  rfs "$shared" 0.5 9
else
  echo "check_data: note: $shared not found, real-LVIS RFS check skipped"
fi

"$PYTHON" scripts/reference/data_perfect_eval.py "$work/a/annotations/val.json" 2>/dev/null | grep data_perfect_eval \
  || { echo "check_data: FAIL: perfect detections on the synthetic val set"; status=1; }
[ "${PIPESTATUS[0]}" = 0 ] || status=1
exit $status
