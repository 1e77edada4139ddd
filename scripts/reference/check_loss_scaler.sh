#!/usr/bin/env bash
# The loss scaler (fp16 training) against torch's GradScaler logic (scripts/reference/loss_scaler.py):
# dynamic and static scales, injected inf/NaN gradients, through `ltdet dev loss-scaler`; non-zero exit on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_loss_scaler: seed $seed"
"$PYTHON" -W ignore scripts/reference/loss_scaler.py "$LTDET_BIN" "$work" "$seed" "${CASES:-12}"
