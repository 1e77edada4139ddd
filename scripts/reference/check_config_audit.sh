#!/usr/bin/env bash
# The config audit: shipped configs resolved by `ltdet print-config` against their originals' values
# (scripts/reference/originals/*.json, read by hand from the original repositories), through
# scripts/reference/config_audit.py. An unexplained difference fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
"$PYTHON" -W ignore scripts/reference/config_audit.py "$LTDET_BIN"
