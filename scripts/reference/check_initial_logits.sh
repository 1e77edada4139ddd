#!/usr/bin/env bash
# A fresh box head's classifier against the originals' initialisation (sigmoid losses start at p = 0.001,
# softmax at bias 0) and its initial logits against the head's formula: scripts/reference/initial_logits.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" -W ignore scripts/reference/initial_logits.py "$LTDET_BIN" "$work" "${SEED:-$RANDOM}"
