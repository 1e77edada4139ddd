#!/usr/bin/env bash
# Steps per second of data-parallel training: 1 process x 2 images per step against 2 processes x 1 image
# (`ltdet train --nproc 2`), the same global batch, on the demo model and a synthetic set, the machine's
# cores split evenly between the processes. Each run's step time is the median of log.jsonl's "time" (every
# step logged, the first 3 dropped as warm-up); ROUNDS alternating rounds, then the median over rounds with
# their spread and the ratio.
#   Benchmarks/distributed/run.sh [LTDET_BINARY] [STEPS=20] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
ltdet=$(realpath "${1:-.build/release/ltdet}")
steps=${2:-20}
rounds=${3:-3}
work=$(mktemp -d /tmp/ltdet-bench-dist.XXXX)
trap 'rm -rf "$work"' EXIT
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
print(f'{statistics.median(times):.4f}')" "$1"
}
cores=$(nproc)
half=$((cores / 2 > 0 ? cores / 2 : 1))
for round in $(seq "$rounds"); do
  LTDET_NUM_THREADS=$cores "$ltdet" train configs/demo/mask_rcnn_r18_fpn_synth.yaml "${settings[@]}" \
    --set data.samples_per_gpu=2 --work-dir "$work/one$round" >/dev/null 2>&1
  LTDET_NUM_THREADS=$half "$ltdet" train configs/demo/mask_rcnn_r18_fpn_synth.yaml \
    "${settings[@]}" --set data.samples_per_gpu=1 --work-dir "$work/two$round" --nproc 2 >/dev/null 2>&1
  one=$(median_step "$work/one$round/log.jsonl")
  two=$(median_step "$work/two$round/log.jsonl")
  echo "round $round: 1 process x 2 images $one s/step, 2 processes x 1 image $two s/step"
  echo "$one $two" >> "$work/rounds"
done
python3 -c "
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
one, two = [r[0] for r in rows], [r[1] for r in rows]
m1, m2 = statistics.median(one), statistics.median(two)
print(f'{len(rows)} rounds of {sys.argv[2]} steps; median over rounds (min-max):')
print(f'1 process  x 2 images ({sys.argv[3]} threads):      {m1:.3f} s/step ({min(one):.3f}-{max(one):.3f}), {1 / m1:.2f} steps/s')
print(f'2 processes x 1 image ({sys.argv[4]} thread(s) each): {m2:.3f} s/step ({min(two):.3f}-{max(two):.3f}), {1 / m2:.2f} steps/s')
print(f'2 processes / 1 process step time: {m2 / m1:.2f}')" "$work/rounds" "$steps" "$cores" "$half"
