#!/usr/bin/env bash
# LTDet vs torchvision Mask R-CNN R50-FPN on the same work: the same inputs (2 images, 640 x 853), the same
# weights (LTDet's initial weights, loaded by torchvision_bench.py under torchvision's names), the same test
# settings, the same libtorch thread count. ROUNDS alternating rounds, each one process per side (a warm-up,
# then REPS training steps and REPS inferences, medians; then one profiled step of each). Before any ratio is
# printed, the first round's detections must agree (compare.py agree: same count per image, boxes within
# tolerance). Then: medians over rounds with their spread, ratios, each side's per-stage profile and LTDet's
# host reads per stage.
# Usage: Benchmarks/maskrcnn/run.sh [ROUNDS=5] [REPS=1] [THREADS=2]
# PEER_ENV="VAR=VALUE ..." runs the torchvision side with those variables, e.g. the malloc policy LTDet sets for
# itself (Runtime.keepFreedMemoryForReuse): PEER_ENV="MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824".
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
reps=${2:-1}
threads=${3:-2}
python=${PYTHON:-.venv/bin/python}
swift build -c release --product bench-maskrcnn 2>&1 | tail -n 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -W ignore Benchmarks/maskrcnn/torchvision_bench.py write-inputs "$work/inputs.safetensors"
for round in $(seq "$rounds"); do
  ours=$(LTDET_NUM_THREADS=$threads .build/release/bench-maskrcnn r50 "$work/inputs.safetensors" "$reps" "$work" | tail -n 1)
  echo "ltdet $ours" >> "$work/runs"
  # shellcheck disable=SC2086  # PEER_ENV is a list of assignments
  theirs=$(env ${PEER_ENV:-} OMP_NUM_THREADS=$threads "$python" -W ignore Benchmarks/maskrcnn/torchvision_bench.py run \
    "$work/inputs.safetensors" "$work/ltdet_weights.safetensors" "$reps" "$threads" "$work/torchvision_detections.safetensors" | tail -n 1)
  echo "torchvision $theirs" >> "$work/runs"
  echo "round $round: $("$python" -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print("training LTDet %.2f s torchvision %.2f s, inference LTDet %.2f s torchvision %.2f s" % (a["train_step_s"], b["train_step_s"], a["inference_s"], b["inference_s"]))' "$ours" "$theirs")"
  if [ "$round" = 1 ]; then
    "$python" Benchmarks/maskrcnn/compare.py agree "$work/ltdet_detections.safetensors" "$work/torchvision_detections.safetensors"
  fi
done
"$python" Benchmarks/maskrcnn/compare.py report "$work/runs"
