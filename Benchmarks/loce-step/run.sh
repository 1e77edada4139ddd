#!/usr/bin/env bash
# The cost of LOCE's feature memory per training step (docs/benchmarks.md): the demo model on the synthetic set
# (after scripts/loce_synth.sh, whose data and stage-1 checkpoint it reuses), ITERS steps of each of
#   stage 1          configs/demo/mask_rcnn_r18_fpn_normed_mask_synth.yaml (all parameters, softmax)
#   stage 2 no MFS   configs/demo/loce_mask_rcnn_r18_fpn_normed_mask_synth.yaml with long_tail=null (EBL, frozen parts)
#   stage 2          the same with MFS (jitter, pooling, enqueue, sampling, 32 extra rows)
# all from stage 1's weights, without evaluation or the balanced pass (not step time); prints the median
# seconds per step over the log windows after the first, and the peak resident memory.
#   Benchmarks/loce-step/run.sh [LOCE_SYNTH_WORK_DIR]      (ITERS=40 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}"
src=${1:-work_dirs/loce_synth}
data=$src/data/synth
iters=${ITERS:-40}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(--set "data.train.ann_file=$data/annotations/train.json" "data.train.img_prefix=$data/images"
        "data.val.ann_file=$data/annotations/val.json" "data.val.img_prefix=$data/images"
        "load_from=$src/stage1" "runner.max_iters=$iters" "evaluation.metric=[]" "log_config.interval=5"
        "balanced_init=null")
"$LTDET_BIN" train configs/demo/mask_rcnn_r18_fpn_normed_mask_synth.yaml --work-dir "$out/stage1" "${common[@]}" >/dev/null 2>&1
"$LTDET_BIN" train configs/demo/loce_mask_rcnn_r18_fpn_normed_mask_synth.yaml --work-dir "$out/stage2_no_mfs" "${common[@]}" \
  "model.roi_head.long_tail=null" >/dev/null 2>&1
"$LTDET_BIN" train configs/demo/loce_mask_rcnn_r18_fpn_normed_mask_synth.yaml --work-dir "$out/stage2" "${common[@]}" >/dev/null 2>&1
python3 - "$out" <<'PY'
import json, statistics, sys
out = sys.argv[1]
print("| step | median s/step | peak resident MiB |")
print("|---|---:|---:|")
for name, label in [("stage1", "stage 1"), ("stage2_no_mfs", "stage 2 without MFS"), ("stage2", "stage 2 (EBL + MFS)")]:
    rows = [json.loads(l) for l in open(f"{out}/{name}/log.jsonl") if '"train"' in l]
    times = [r["time"] for r in rows[1:]]
    print(f"| {label} | {statistics.median(times):.3f} | {max(r['memory'] for r in rows):.0f} |")
PY
