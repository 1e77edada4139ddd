#!/usr/bin/env bash
# Swift (LTDet Torch layer) vs Python PyTorch on the same libtorch and thread count, in one run.
# Usage: Benchmarks/torch-overhead/run.sh [threads]   (ITERATIONS=30 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-$(nproc)}
export LTDET_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
swift build -c release --product bench-torch-overhead 2>&1 | tail -n 1
python=${PYTHON:-.venv/bin/python}
out=$(mktemp)
.build/release/bench-torch-overhead | tee "$out"
"$python" -W ignore Benchmarks/torch-overhead/bench.py | tee -a "$out"
echo "threads: $threads; libtorch: $("$python" -c 'import torch; print(torch.__version__)')"
awk '{ v[$1" "$2] = $4; names[$2] = 1 }
     END { for (n in names) printf "%-16s swift %9.3f ms  python %9.3f ms  ratio swift/python %.3f\n", n, v["swift "n], v["python "n], v["swift "n] / v["python "n] }' "$out" | sort
rm -f "$out"
