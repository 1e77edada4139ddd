#!/usr/bin/env bash
# The RoI head's cost: the plain head before and after a change, and PCB's iterative head, on the same inputs in
# alternating rounds (one process per measurement, medians of REPS steps each after a warm-up); prints each
# variant's median over rounds with the min-max spread and the ratios to the "before" binary.
#   Benchmarks/maskrcnn/heads.sh BEFORE_BENCH_BIN [ROUNDS=3] [REPS=5] [PRESET=demo|r50] [THREADS=2]
# BEFORE_BENCH_BIN: a bench-maskrcnn built from the commit to compare with (e.g. a `git worktree` of it, built
# with `swift build -c release --product bench-maskrcnn`).
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1; rounds=${2:-3}; reps=${3:-5}; preset=${4:-demo}; threads=${5:-2}
python=${PYTHON:-.venv/bin/python}
swift build -c release --product bench-maskrcnn 2>&1 | tail -n 1
after=.build/release/bench-maskrcnn
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=()
if [ "$preset" = r50 ]; then
  "$python" -W ignore Benchmarks/maskrcnn/torchvision_bench.py write-inputs "$work/inputs.safetensors"
  args=("$work/inputs.safetensors")
fi
for round in $(seq "$rounds"); do
  for variant in before plain iterative; do
    case $variant in
      before) bin=$before; mode=$preset ;;
      plain) bin=$after; mode=$preset ;;
      iterative) bin=$after; mode=$preset-iterative ;;
    esac
    line=$(LTDET_NUM_THREADS=$threads "$bin" "$mode" "${args[@]}" "$reps" | tail -n 1)
    echo "$variant $line" >> "$work/runs"
    echo "round $round $variant: $(echo "$line" | "$python" -c 'import json,sys; d=json.load(sys.stdin); print("train %.3f s, inference %.3f s" % (d["train_step_s"], d["inference_s"]))')"
  done
done
"$python" - "$work/runs" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    variant, payload = line.split(" ", 1)
    runs.setdefault(variant, []).append(json.loads(payload))
def summary(key):
    out = {}
    for v, rs in runs.items():
        xs = [r[key] for r in rs]
        out[v] = (statistics.median(xs), min(xs), max(xs))
    return out
for key, label in [("train_step_s", "training step"), ("inference_s", "inference")]:
    s = summary(key)
    base = s["before"][0]
    for v in ["before", "plain", "iterative"]:
        m, lo, hi = s[v]
        print(f"{label:14s} {v:9s} median {m:7.3f} s  (rounds {lo:.3f}-{hi:.3f})  ratio to before {m / base:.2f}")
PY
