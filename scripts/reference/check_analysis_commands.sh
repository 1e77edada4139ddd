#!/usr/bin/env bash
# Runs every analysis command on the outputs of a small demo, as a user would from a clean checkout:
# ltdet demo (a few iterations of the baseline and Seesaw + RFS side by side, their comparison), then ltdet test (a second run: 20 RPN proposals), test --tta (flip, two scales),
# eval --per-class, compare, confusion-matrix, analyze-logs, predict (with --categories and from the checkpoint's
# classes), dev confusion (PCB's matrix, named by the checkpoint's classes), export (meta.CLASSES), viz --with-gt, viz --rank (overall and per class) and browse-dataset; checks that
# each writes what it promises and that every PNG decodes. Needs LTDET_BIN and PYTHON (scripts/test exports them). Usage: check_analysis_commands.sh
set -uo pipefail
cd "$(dirname "$0")/../.."

LTDET_BIN="${LTDET_BIN:-$PWD/.build/release/ltdet}"
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
echo "check_analysis_commands: ltdet $LTDET_BIN"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0
run() { "$@" > "$work/last.log" 2>&1 || { failed=$((failed + 1)); echo "FAILED: $*"; tail -5 "$work/last.log"; }; }
expect() { for f in "$@"; do [ -s "$f" ] || { failed=$((failed + 1)); echo "FAILED: missing $f"; }; done; }

config=configs/demo/mask_rcnn_r18_fpn_synth.yaml
# The demo trains the baseline and its long-tail method (Seesaw + RFS) side by side, then compares them. With PCB
# on, so that its confusion matrix (ltdet dev confusion) is in the checkpoints too.
run "$LTDET_BIN" demo --work-dir "$work/demo" --train-images 24 --val-images 6 --image-size 96 --set runner.max_iters=4 log_config.interval=2 \
  "model.roi_head.bbox_head.pcb={start_epoch: 1}"
grep -q "^\[seesaw_rfs\] " "$work/last.log" && grep -q "^\[baseline  \] " "$work/last.log" \
  || { failed=$((failed + 1)); echo "FAILED: the demo did not relay both trainings' lines"; }
grep -q "RFS threshold 0.0386" "$work/last.log" || { failed=$((failed + 1)); echo "FAILED: the demo did not scale RFS's threshold to its set"; }
grep -q "threshold: 3.86.*e-2" "$work/demo/seesaw_rfs/config.yaml" || { failed=$((failed + 1)); echo "FAILED: the method's run did not use the scaled threshold"; }
expect "$work/demo/compare/ap_vs_frequency_bbox.png" "$work/demo/compare/group_ap_segm.png" "$work/demo/compare/compare.md" \
  "$work/demo/viz/seesaw_rfs/"*.png "$work/demo/seesaw_rfs/per_class.csv"
demo="$work/demo/baseline"
expect "$demo/log.jsonl" "$demo/log.txt" "$demo/per_class.csv" "$demo/per_class.md"
data="$work/demo/data/synth"
paths=(data.train.ann_file="$data/annotations/train.json" data.train.img_prefix="$data/images"
       data.val.ann_file="$data/annotations/val.json" data.val.img_prefix="$data/images")
checkpoint="$(ls "$demo"/*.safetensors | head -1)"
results="$(ls "$demo"/*.results.json | head -1)"

run "$LTDET_BIN" test "$config" "$checkpoint" --eval bbox segm --work-dir "$work/rpn20" \
  --set "${paths[@]}" model.test_cfg.rpn.max_per_img=20
expect "$work/rpn20/per_class.csv"
grep -q "Epoch \[1\]\[2/" "$demo/log.txt" || { failed=$((failed + 1)); echo "FAILED: log.txt has no 'Epoch [1][2/N]' line"; }
run "$LTDET_BIN" test "$config" "$checkpoint" --eval bbox segm --work-dir "$work/tta" --tta \
  --set "${paths[@]}" "data.test_pipeline.img_scale=[[192, 128], [192, 112]]"
expect "$work/tta/test.results.json" "$work/tta/per_class.csv"
grep -q "test-time augmentation: 4 views per image" "$work/last.log" || { failed=$((failed + 1)); echo "FAILED: test --tta did not run 4 views"; }
run "$LTDET_BIN" eval --gt "$data/annotations/val.json" --results "$results" --iou-type segm \
  --per-class "$work/eval_per_class" --train-ann "$data/annotations/train.json" --quiet
expect "$work/eval_per_class.csv" "$work/eval_per_class.md"
run "$LTDET_BIN" compare "$demo" "$work/rpn20" --out "$work/compare"
expect "$work/compare/ap_vs_frequency_bbox.png" "$work/compare/group_ap_segm.png" "$work/compare/compare.md"
run "$LTDET_BIN" confusion-matrix --gt "$data/annotations/val.json" --results "$results" --out "$work/confusion" --score-thr 0.05
expect "$work/confusion/confusion_matrix.npy" "$work/confusion/confusion_matrix.png" "$work/confusion/confusion_pairs.csv"
run "$LTDET_BIN" analyze-logs "$demo" "$demo/log.jsonl" --names a b --out "$work/logs" --keys loss loss_cls
expect "$work/logs/train_loss.png" "$work/logs/train_loss_cls.png" "$work/logs/val_bbox_AP_segm_AP.png"
mkdir -p "$work/images"
for f in $(find "$data/images/val" -name '*.jpg' | sort | head -2); do cp "$f" "$work/images/"; done
run "$LTDET_BIN" predict "$config" "$checkpoint" "$work/images" --out "$work/predict" \
  --categories "$data/annotations/val.json" --min-score 0
expect "$work/predict/results.json" "$work/predict/images.json"
[ "$(ls "$work/predict"/*.png 2>/dev/null | wc -l)" = 2 ] || { failed=$((failed + 1)); echo "FAILED: predict wrote $(ls "$work/predict"/*.png 2>/dev/null | wc -l) pictures, not 2"; }
# Without --categories and without the annotation files: the class names come from the checkpoint.
run "$LTDET_BIN" predict "$config" "$checkpoint" "$work/images" --out "$work/predict_ckpt" --min-score 0 \
  --set data.val.ann_file="$work/absent.json"
cmp -s "$work/predict/results.json" "$work/predict_ckpt/results.json" || { failed=$((failed + 1)); echo "FAILED: predict from the checkpoint's classes differs"; }
run "$LTDET_BIN" dev confusion --checkpoint "$checkpoint" --plot "$work/pcb_confusion.png" --top 3
expect "$work/pcb_confusion.png"
grep -q "classes ordered by training frequency" "$work/last.log" || { failed=$((failed + 1)); echo "FAILED: dev confusion did not read the checkpoint's classes"; }
run "$LTDET_BIN" export --format mmdet "$checkpoint" "$work/export.pth"
run "$PYTHON" - "$work/export.pth" "$data/annotations/train.json" <<'PY'
import json, sys, torch
meta = torch.load(sys.argv[1], map_location="cpu")["meta"]
names = [c["name"] for c in sorted(json.load(open(sys.argv[2]))["categories"], key=lambda c: c["id"])]
print(f"meta.CLASSES: {len(meta['CLASSES'])} names")
sys.exit(0 if list(meta["CLASSES"]) == names else 1)
PY
run "$LTDET_BIN" viz --ann "$data/annotations/val.json" --results "$results" --images "$data/images" \
  --out "$work/viz" --limit 2 --min-score 0 --with-gt
[ "$(ls "$work/viz"/*.png 2>/dev/null | wc -l)" -ge 1 ] || { failed=$((failed + 1)); echo "FAILED: viz --with-gt wrote no picture"; }
first_class="$("$PYTHON" -c "import json,sys; print(min(json.load(open(sys.argv[1]))['categories'], key=lambda c: c['id'])['name'])" "$data/annotations/val.json")"
run "$LTDET_BIN" viz --ann "$data/annotations/val.json" --results "$results" --images "$data/images" --out "$work/rank" --rank 2
run "$LTDET_BIN" viz --ann "$data/annotations/val.json" --results "$results" --images "$data/images" --out "$work/rank" \
  --rank 1 --rank-class "$first_class"
expect "$work/rank/ranking.csv" "$work/rank/$first_class/ranking.csv"
[ "$(ls "$work/rank/good" "$work/rank/bad" | grep -c png)" = 4 ] || { failed=$((failed + 1)); echo "FAILED: viz --rank 2 did not draw 2 good and 2 bad"; }

run "$LTDET_BIN" browse-dataset "$config" --out "$work/browse" --limit 2 --set "${paths[@]}"
[ "$(ls "$work/browse"/*.png 2>/dev/null | wc -l)" = 2 ] || { failed=$((failed + 1)); echo "FAILED: browse-dataset did not write 2 pictures"; }

# Every picture decodes as a PNG with some ink on it.
run "$PYTHON" - "$work" <<'PY'
import glob, sys
import matplotlib.image as mpimg
paths = [p for p in glob.glob(sys.argv[1] + "/**/*.png", recursive=True) if "/data/" not in p]
bad = [p for p in paths if mpimg.imread(p).std() == 0]
print(f"{len(paths)} PNGs decoded, {len(bad)} blank")
sys.exit(1 if bad or not paths else 0)
PY
echo "check_analysis_commands: $failed failed"
[ "$failed" = 0 ]
