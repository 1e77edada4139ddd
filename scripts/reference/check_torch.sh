#!/usr/bin/env bash
# Torch layer against real PyTorch: tensor files cross between Python and Swift in both directions.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_torch: seed $seed"
"$PYTHON" -W ignore scripts/reference/torch_io_check.py "$LTDET_BIN" "$work" "$seed"
