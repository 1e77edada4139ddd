#!/usr/bin/env bash
# LTDet's data pipeline vs a Pillow + numpy pipeline on the same synthetic images, in one run.
# Usage: Benchmarks/data-pipeline/run.sh [IMAGES] [IMAGE_SIZE] [PASSES]   (defaults 200, 480, 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
images=${1:-200}; size=${2:-480}; passes=${3:-2}
python=${PYTHON:-.venv/bin/python}
swift build -c release --product ltdet 2>&1 | tail -n 1
swift build -c release --package-path Benchmarks/data-pipeline/Swift 2>&1 | tail -n 1
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
.build/release/ltdet synth --out "$data" --classes 30 --train-images "$images" --val-images 0 --image-size "$size" --seed 1 \
  --classes-per-image 4
out=$(mktemp)
Benchmarks/data-pipeline/Swift/.build/release/bench-data-pipeline "$data/annotations/train.json" "$data/images" "$passes" | tee "$out"
"$python" Benchmarks/data-pipeline/bench.py "$data/annotations/train.json" "$data/images" "$passes" | tee -a "$out"
awk '$2 == "single-thread" { v[$1] = $3 } END { printf "single-thread speed-up LTDet / Python: %.2fx\n", v["swift"] / v["python"] }' "$out"
rm -f "$out"
