#!/usr/bin/env bash
# Real PyTorch files in and out: torch.save formats, torchvision:// backbones (features against torchvision),
# mmdet checkpoints through `ltdet export`, read back by torch.load.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_weights: seed $seed"
"$PYTHON" -W ignore scripts/reference/weights_reference_check.py "$LTDET_BIN" "$work" "$seed"
