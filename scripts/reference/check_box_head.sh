#!/usr/bin/env bash
# The box head, plain and iterative (PCB), with every classification loss, against an independent PyTorch
# implementation (scripts/reference/box_head.py) through `ltdet dev box-head` on fresh random inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_box_head: seed $seed"
"$PYTHON" -W ignore scripts/reference/box_head.py "$LTDET_BIN" "$work" "$seed" "${CASES:-28}"
