#!/usr/bin/env bash
# LOCE's MFS box jitter and class/entry sampler against an independent implementation
# (scripts/reference/mfs.py) through `ltdet dev mfs` on fresh random draws: boxes, sign patterns, clamping,
# drawn classes and entries exactly, and the sampling distributions by a chi-square test on many draws.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_mfs: seed $seed"
"$PYTHON" -W ignore scripts/reference/mfs.py "$LTDET_BIN" "$work" "$seed" "${CASES:-20}"
