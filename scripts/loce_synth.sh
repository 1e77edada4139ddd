#!/usr/bin/env bash
# LOCE's decoupled recipe end to end on the synthetic long-tailed set (docs/loce.md): generate the demo's data,
# train stage 1 (configs/demo/mask_rcnn_r18_fpn_normed_mask_synth.yaml), train stage 2 from its final
# checkpoint (configs/demo/loce_mask_rcnn_r18_fpn_normed_mask_synth.yaml: balanced initialisation, EBL + MFS,
# only fc_cls / fc_reg / RPN / mask head), then print both stages' LVIS metrics side by side.
#   scripts/loce_synth.sh [WORK_DIR]        (default work_dirs/loce_synth; ltdet --set overrides via SET="...")
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LTDET_BIN:=.build/release/ltdet}"
[ -x "$LTDET_BIN" ] || swift build -c release --product ltdet
work=${1:-work_dirs/loce_synth}
data=$work/data/synth
# The demo's data (ltdet demo generates the same set).
"$LTDET_BIN" synth --out "$data" --classes 20 --train-images "${TRAIN_IMAGES:-600}" --val-images "${VAL_IMAGES:-100}" \
  --image-size 128 --seed 0 --format jpg
paths=(--set "data.train.ann_file=$data/annotations/train.json" "data.train.img_prefix=$data/images"
       "data.val.ann_file=$data/annotations/val.json" "data.val.img_prefix=$data/images")
# shellcheck disable=SC2086
"$LTDET_BIN" train configs/demo/mask_rcnn_r18_fpn_normed_mask_synth.yaml --work-dir "$work/stage1" "${paths[@]}" ${SET:-}
# shellcheck disable=SC2086
"$LTDET_BIN" train configs/demo/loce_mask_rcnn_r18_fpn_normed_mask_synth.yaml --work-dir "$work/stage2" "${paths[@]}" \
  "load_from=$work/stage1" ${SET:-}
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
rows = {}
for stage in ("stage1", "stage2"):
    vals = [json.loads(l) for l in open(f"{work}/{stage}/log.jsonl") if '"val"' in l]
    rows[stage] = vals[-1] if vals else {}
keys = [f"{t}_{m}" for t in ("bbox", "segm") for m in ("AP", "APr", "APc", "APf")]
print("| stage | " + " | ".join(keys) + " |")
print("|---|" + "---:|" * len(keys))
for stage, row in rows.items():
    flat = {**row, **row.get("values", {})}
    print(f"| {stage} | " + " | ".join(f"{100 * flat[k]:.1f}" if k in flat else "-" for k in keys) + " |")
PY
