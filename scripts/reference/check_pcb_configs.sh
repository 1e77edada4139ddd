#!/usr/bin/env bash
# Every shipped PCB config (configs/pcb/) through `ltdet train` for a few iterations on a small synthetic set:
# the real recipe (iterative RoI head, its loss with PCB active from the first epoch, normed mask where the config
# has it), shrunk only in size (ResNet-18 without ImageNet weights, 64-channel FPN, 64-pixel images, 4 classes).
# Fails if any config does not train, or if its checkpoint lacks the iterative head, PCB's state or the loss
# scaler's (the configs train in fp16 as PCB's do: bfloat16 autocast here on the CPU).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$LTDET_BIN" synth --out "$work/synth" --classes 4 --train-images 6 --val-images 2 --image-size 64 --seed 3 >/dev/null
passed=0; failed=0
for config in configs/pcb/*.yaml; do
  name=$(basename "$config" .yaml)
  if "$LTDET_BIN" train "$config" --work-dir "$work/$name" --set \
      model.num_classes=4 model.backbone.depth=18 pretrained=null model.neck.out_channels=64 \
      model.rpn_head.feat_channels=64 model.roi_head.bbox_head.fc_out_channels=64 \
      model.roi_head.mask_head.conv_out_channels=32 model.roi_head.mask_head.num_convs=1 \
      model.roi_head.bbox_head.pcb.start_epoch=1 \
      "data.train.ann_file=$work/synth/annotations/train.json" "data.train.img_prefix=$work/synth/images" \
      "data.val.ann_file=$work/synth/annotations/val.json" "data.val.img_prefix=$work/synth/images" \
      "data.train_pipeline.short_sides=[64]" data.train_pipeline.max_long_side=64 \
      "data.test_pipeline.short_sides=[64]" data.test_pipeline.max_long_side=64 \
      data.samples_per_gpu=2 data.workers_per_gpu=1 runner.max_epochs=1 runner.max_iters=3 \
      lr_config.warmup_iters=1 "evaluation.metric=[]" >"$work/$name.log" 2>&1 \
    && checkpoint=$(ls "$work/$name"/*.safetensors | head -n 1) \
    && grep -aq "cls_sub_module.layers.fc1.weight" "$checkpoint" \
    && grep -aq "cls_loss.confusion_count" "$checkpoint" \
    && grep -aq "loss_scaler.scale" "$checkpoint"; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; tail -n 5 "$work/$name.log"
  fi
done
echo "pcb configs: $passed trained, $failed failed"
[ "$failed" = 0 ]
