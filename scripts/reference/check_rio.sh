#!/usr/bin/env bash
# RIO: the memory replay's target classes, selection, FIFO order and recomputed regression targets, and the cosine
# classifier's forward and backward, against an independent PyTorch implementation (scripts/reference/rio.py)
# through `ltdet dev replay` and `ltdet dev box-head` on fresh random inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_rio: seed $seed"
"$PYTHON" -W ignore scripts/reference/rio.py "$LTDET_BIN" "$work" "$seed" "${CASES:-24}"
