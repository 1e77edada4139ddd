#!/usr/bin/env bash
# Swift (LTDet Torch layer) vs Python PyTorch on the same libtorch and thread count, in one run.
# The two alternate for ROUNDS rounds (default 3) and the ratio uses the median of each side's per-round
# medians: on a shared VM one round alone varies by 10-20%.
# Usage: Benchmarks/torch-overhead/run.sh [threads]   (ITERATIONS=30, ROUNDS=3 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-$(nproc)}
rounds=${ROUNDS:-3}
export LTDET_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
swift build -c release --product bench-torch-overhead 2>&1 | tail -n 1
python=${PYTHON:-.venv/bin/python}
out=$(mktemp)
for _ in $(seq "$rounds"); do
  .build/release/bench-torch-overhead | tee -a "$out"
  "$python" -W ignore Benchmarks/torch-overhead/bench.py | tee -a "$out"
done
echo "threads: $threads; rounds: $rounds; libtorch: $("$python" -c 'import torch; print(torch.__version__)')"
"$python" - "$out" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, name, _, ms = line.split()
    runs.setdefault(name, {}).setdefault(side, []).append(float(ms))
for name in sorted(runs):
    s, p = statistics.median(runs[name]["swift"]), statistics.median(runs[name]["python"])
    print(f"{name:16s} swift {s:9.3f} ms  python {p:9.3f} ms  ratio swift/python {s / p:.3f}")
PY
rm -f "$out"
