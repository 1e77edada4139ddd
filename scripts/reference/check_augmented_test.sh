#!/usr/bin/env bash
# Test-time augmentation's merges (`ltdet dev augmented-test`) against a Python version of mmdet 2.x's
# merge_aug_proposals, merge_aug_bboxes, multiclass_nms and merge_aug_masks (scripts/reference/augmented_test.py)
# on fresh random views (1-3 scales, mirrored or not): every merged proposal, box, score, detection and mask
# probability equal to 1e-9 in float64.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_augmented_test: seed $seed (rerun with SEED=$seed)"
"$PYTHON" -W ignore scripts/reference/augmented_test.py "$LTDET_BIN" "$work" "$seed" "${CASES:-12}"
