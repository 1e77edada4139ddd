#!/usr/bin/env bash
# Training-set filtering (images and targets) against mmdet 2.x's rules written out in Python
# (scripts/reference/dataset_filter.py) on the real LVIS v0.5 and COCO subsets in ../shared/data and on a file
# of edge cases the script builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=()
for f in ../shared/data/lvis/lvis_v0.5_val_100.json ../shared/data/coco/instances_val2014_100.json; do
  if [ -f "$f" ]; then files+=("$f"); else echo "check_dataset_filter: note: $f not found, skipped"; fi
done
"$PYTHON" -W ignore scripts/reference/dataset_filter.py "$LTDET_BIN" "$work" "${files[@]}"
