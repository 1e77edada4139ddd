#!/usr/bin/env bash
# Bad command-line inputs that used to trap (SIGILL), allocate gigabytes or fail only after the work was done:
# each must now exit with a usage or runtime error (exit status 1..127, never a signal) whose message names
# the option or key and the value. Needs LTDET_BIN (scripts/test exports it).
source "$(dirname "$0")/common.sh" check_cli_bad_inputs

"$LTDET_BIN" synth --out "$work/synth" --classes 3 --train-images 4 --val-images 2 --image-size 64 >/dev/null
expect_error "--rfs-threshold must be between 0 and 1, got inf" "$LTDET_BIN" stats --ann "$work/synth/annotations/train.json" --rfs-threshold inf
expect_error "--rfs-threshold must be between 0 and 1, got 1e+300" "$LTDET_BIN" stats --ann "$work/synth/annotations/train.json" --rfs-threshold 1e300
expect_error "--image-size must be between 64 and 4096, got 100000" "$LTDET_BIN" synth --out "$work/big" --image-size 100000
[ -e "$work/big" ] && { echo "FAILED: synth --image-size 100000 left $work/big behind"; failed=$((failed + 1)); }
expect_error "the directory $work/missing does not exist" "$LTDET_BIN" eval --gt "$work/synth/annotations/val.json" \
  --results "$work/synth/annotations/val.json" --iou-type bbox --json "$work/missing/out.json"
for setting in data.workers_per_gpu=-1 data.samples_per_gpu=0 runner.max_epochs=0 runner.max_iters=-1 \
  log_config.interval=0 checkpoint_config.interval_iters=0 "data.train_pipeline.short_sides=[]" optimizer.lr=.nan; do
  expect_error "'${setting%%=*}'" "$LTDET_BIN" print-config configs/demo/mask_rcnn_r18_fpn_synth.yaml --set "$setting"
done
printf '\xff\xff\xff\xff\xff\xff\xff\xff{}' > "$work/bad.safetensors"
expect_error "header length" "$LTDET_BIN" test configs/demo/mask_rcnn_r18_fpn_synth.yaml "$work/bad.safetensors" \
  --set "data.val.ann_file=$work/synth/annotations/val.json" --set "data.val.img_prefix=$work/synth/images" --work-dir "$work/t"

finish_check
