#!/usr/bin/env bash
# Mask R-CNN parts against torchvision (ResNet-50 + FPN, roi_align, nms, batched_nms) and against mmdet's
# formulas written out in Python (anchors, box coder, assigner, RoI levels), on fresh random inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_model: seed $seed"
"$PYTHON" -W ignore scripts/reference/model_reference_check.py "$LTDET_BIN" "$work" "$seed"
