#!/usr/bin/env bash
# `ltdet viz --rank` (mmdet analyze_results.py's per-image bbox mAP, and per class) against a Python version of
# mmdet 2.x's bbox_map_eval / eval_map (scripts/reference/image_ranking.py) on a fresh synthetic set with
# generated detections: every image's score to 1e-6, worst first; the pictures of the worst and best are written.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LTDET_BIN:=.build/release/ltdet}" "${PYTHON:=.venv/bin/python}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=${SEED:-$RANDOM}
echo "check_image_ranking: seed $seed (rerun with SEED=$seed)"
"$LTDET_BIN" synth --out "$work/synth" --classes 12 --train-images 40 --val-images 30 --image-size 64 --seed "$seed" >/dev/null
gt="$work/synth/annotations/val.json"
"$PYTHON" scripts/reference/lvis_generate.py detections --gt "$gt" --seed "$seed" --out "$work/results.json" >/dev/null
# Duplicates of a third of the detections (shifted by up to 2 px, any score), so that a ground truth is often
# matched twice at low IoU thresholds and once at high ones: the second match must count as a false positive.
"$PYTHON" - "$work/results.json" "$seed" <<'PY'
import json, random, sys
path, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
results = json.load(open(path))
extra = [dict(r, bbox=[r["bbox"][0] + rng.uniform(-2, 2), r["bbox"][1] + rng.uniform(-2, 2)] + r["bbox"][2:],
              score=rng.random()) for r in results[::3]]
json.dump(results + extra, open(path, "w"))
PY
"$LTDET_BIN" viz --ann "$gt" --results "$work/results.json" --images "$work/synth/images" --out "$work/rank" --rank 3
"$PYTHON" scripts/reference/image_ranking.py --gt "$gt" --results "$work/results.json" --ranking "$work/rank/ranking.csv"
[ "$(ls "$work/rank/good" | wc -l)" = 3 ] && [ "$(ls "$work/rank/bad" | wc -l)" = 3 ] || { echo "FAILED: expected 3 good and 3 bad pictures"; exit 1; }
# Per class: the most and the least frequent class of the validation set.
read -r frequent rare < <("$PYTHON" - "$gt" <<'PY'
import json, sys, collections
gt = json.load(open(sys.argv[1]))
counts = collections.Counter(a["category_id"] for a in gt["annotations"])
names = {c["id"]: c["name"] for c in gt["categories"]}
order = [c for c, _ in counts.most_common()]
print(names[order[0]].replace(" ", "_"), names[order[-1]].replace(" ", "_"))
PY
)
for name in "$frequent" "$rare"; do
  "$LTDET_BIN" viz --ann "$gt" --results "$work/results.json" --images "$work/synth/images" --out "$work/rank" --rank 2 --rank-class "$name"
  id=$("$PYTHON" -c "import json,sys; print([c['id'] for c in json.load(open(sys.argv[1]))['categories'] if c['name'] == sys.argv[2]][0])" "$gt" "$name")
  "$PYTHON" scripts/reference/image_ranking.py --gt "$gt" --results "$work/results.json" --ranking "$work/rank/$name/ranking.csv" --category "$id"
done
