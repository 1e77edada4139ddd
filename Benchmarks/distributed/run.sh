#!/usr/bin/env bash
# Steps per second of data-parallel training: 1 process x 2 images per step against 2 processes x 1 image
# (`ltdet train --nproc 2`), the same global batch, on the demo model and a synthetic set, the machine's
# cores split evenly between the processes. The step time is the median of log.jsonl's "time" (every step
# logged, the first 3 dropped as warm-up).
#   Benchmarks/distributed/run.sh [LTDET_BINARY] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/../.."
ltdet=$(realpath "${1:-.build/release/ltdet}")
steps=${2:-20}
work=$(mktemp -d /tmp/ltdet-bench-dist.XXXX)
"$ltdet" synth --out "$work/synth" --classes 8 --train-images 64 --val-images 4 --image-size 128 --seed 1 >/dev/null
settings=(
  --set data.train.ann_file="$work/synth/annotations/train.json" --set data.train.img_prefix="$work/synth/images"
  --set data.val.ann_file="$work/synth/annotations/val.json" --set data.val.img_prefix="$work/synth/images"
  --set model.num_classes=8 --set runner.max_iters="$steps" --set evaluation.metric=[] --set log_config.interval=1
)
median_step() {
  python3 -c "
import json, statistics, sys
times = [json.loads(l)['time'] for l in open(sys.argv[1]) if json.loads(l).get('mode') == 'train'][3:]
print(f'{statistics.median(times):.3f} s/step, {1 / statistics.median(times):.2f} steps/s ({len(times)} steps)')" "$1"
}
cores=$(nproc)
LTDET_NUM_THREADS=$cores "$ltdet" train configs/demo/mask_rcnn_r18_fpn_synth.yaml "${settings[@]}" \
  --set data.samples_per_gpu=2 --work-dir "$work/one" >/dev/null 2>&1
LTDET_NUM_THREADS=$((cores / 2 > 0 ? cores / 2 : 1)) "$ltdet" train configs/demo/mask_rcnn_r18_fpn_synth.yaml \
  "${settings[@]}" --set data.samples_per_gpu=1 --work-dir "$work/two" --nproc 2 >/dev/null 2>&1
echo "1 process  x 2 images ($cores threads):     $(median_step "$work/one/log.jsonl")"
echo "2 processes x 1 image ($((cores / 2 > 0 ? cores / 2 : 1)) thread(s) each): $(median_step "$work/two/log.jsonl")"
