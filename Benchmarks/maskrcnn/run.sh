#!/usr/bin/env bash
# LTDet vs torchvision Mask R-CNN R50-FPN on the same inputs (2 images, 640 x 853), same libtorch thread
# count, in one run: one training iteration and one inference each, medians of REPS after a warm-up, peak
# RSS of each process. Usage: Benchmarks/maskrcnn/run.sh [REPS=3] [THREADS=2]
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
threads=${2:-2}
python=${PYTHON:-.venv/bin/python}
swift build -c release --product bench-maskrcnn 2>&1 | tail -n 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -W ignore Benchmarks/maskrcnn/torchvision_bench.py write-inputs "$work/inputs.safetensors"
ours=$(LTDET_NUM_THREADS=$threads .build/release/bench-maskrcnn r50 "$work/inputs.safetensors" "$reps" | tail -n 1)
echo "$ours"
theirs=$(OMP_NUM_THREADS=$threads "$python" -W ignore Benchmarks/maskrcnn/torchvision_bench.py run "$work/inputs.safetensors" "$reps" "$threads" | tail -n 1)
echo "$theirs"
"$python" - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for key, label in [("train_step_s", "training step"), ("inference_s", "inference (2 images)")]:
    print(f"{label:22s} LTDet {a[key]:7.2f} s   torchvision {b[key]:7.2f} s   ratio {a[key] / b[key]:.2f}")
print(f"{'peak RSS':22s} LTDet {a['peak_rss_mb']:7.0f} MB  torchvision {b['peak_rss_mb']:7.0f} MB  ratio {a['peak_rss_mb'] / b['peak_rss_mb']:.2f}")
PY
