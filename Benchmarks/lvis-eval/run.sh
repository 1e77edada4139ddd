#!/usr/bin/env bash
# LVIS evaluation benchmark (see run.py): builds ltdet in release and the libtorch-free LVISKit driver
# (lviskit_eval.swift compiled with the LVISKit sources), generates the synthetic files once under
# work_dirs/lvis-eval, and times LTDet, lvis-api and faster-coco-eval on them in one run.
#   Benchmarks/lvis-eval/run.sh [run.py options, e.g. --images 2000 5000 --iou-types bbox segm]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product ltdet 2>&1 | tail -n 1
mkdir -p .build/lviskit-eval
cp Benchmarks/lvis-eval/lviskit_eval.swift .build/lviskit-eval/main.swift
# shellcheck disable=SC2046
swiftc -O -wmo -module-name LVISKitEval $(find Sources/LVISKit -name '*.swift' | sort) .build/lviskit-eval/main.swift \
  -o .build/lviskit-eval/lviskit-eval
exec .venv/bin/python Benchmarks/lvis-eval/run.py --ltdet "$PWD/.build/release/ltdet" \
  --lviskit-eval "$PWD/.build/lviskit-eval/lviskit-eval" "$@"
