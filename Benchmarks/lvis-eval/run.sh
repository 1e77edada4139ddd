#!/usr/bin/env bash
# LVIS evaluation benchmark (see run.py): builds ltdet and the libtorch-free `lviskit` in release,
# generates the synthetic files once under
# work_dirs/lvis-eval, and times LTDet, lvis-api and faster-coco-eval on them in one run.
#   Benchmarks/lvis-eval/run.sh [run.py options, e.g. --images 2000 5000 --iou-types bbox segm]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product ltdet 2>&1 | tail -n 1
swift build -c release --product lviskit 2>&1 | tail -n 1
exec .venv/bin/python Benchmarks/lvis-eval/run.py --ltdet "$PWD/.build/release/ltdet" \
  --lviskit "$PWD/.build/release/lviskit" "$@"
