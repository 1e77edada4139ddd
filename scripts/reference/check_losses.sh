#!/usr/bin/env bash
# Classification losses against independent PyTorch formulas (scripts/reference/losses.py): every method
# through `ltdet dev loss` on fresh random inputs; non-zero exit on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_losses: seed $seed"
"$PYTHON" -W ignore scripts/reference/losses.py "$LTDET_BIN" "$work" "$seed" "${CASES:-48}"
