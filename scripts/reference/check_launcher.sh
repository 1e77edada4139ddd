#!/usr/bin/env bash
# The built-in multi-process launcher (`ltdet train --nproc 2`) on real processes: a normal run ends with one
# rank-0 log; a rank killed mid-run (SIGKILL, as the OOM killer does) ends the whole job within seconds with an
# error naming the rank, never a hang; SIGTERM to the launcher stops its processes too (no orphan keeps training);
# PyTorch's torchrun launching ltdet trains exactly as --nproc does. Needs LTDET_BIN and PYTHON (scripts/test
# exports them).
set -uo pipefail
cd "$(dirname "$0")/../.."
LTDET_BIN="${LTDET_BIN:-$PWD/.build/release/ltdet}"
work="$(mktemp -d)"; [ -n "${KEEP:-}" ] && echo "work directory (kept): $work"
trap 'pkill -9 -f "$work" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
failed=0
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }

"$LTDET_BIN" synth --out "$work/synth" --classes 3 --train-images 8 --val-images 2 --image-size 64 >/dev/null
settings=(
  --set data.train.ann_file="$work/synth/annotations/train.json" --set data.train.img_prefix="$work/synth/images"
  --set data.val.ann_file="$work/synth/annotations/val.json" --set data.val.img_prefix="$work/synth/images"
  --set model.num_classes=3 --set data.samples_per_gpu=1 --set evaluation.metric=[] --set log_config.interval=1
  --set data.train_pipeline.short_sides=[64] --set data.train_pipeline.max_long_side=64 --set data.workers_per_gpu=0
)
config=configs/demo/mask_rcnn_r18_fpn_synth.yaml

# 1. A normal run: 8 images / 2 processes / 1 per step = 4 steps, logged once (rank 0), all ranks exit 0.
if ! timeout 300 "$LTDET_BIN" train "$config" "${settings[@]}" --set runner.max_epochs=1 --work-dir "$work/ok" --nproc 2 \
  >"$work/ok.log" 2>&1; then
  fail "--nproc 2 run exited non-zero: $(tail -n 3 "$work/ok.log")"
elif [ "$(grep -c '"mode":"train"' "$work/ok/log.jsonl" 2>/dev/null)" != 4 ]; then
  fail "--nproc 2 run: expected 4 train lines in rank 0's log.jsonl, got $(wc -l <"$work/ok/log.jsonl" 2>/dev/null)"
fi

# 1b. `ltdet test --nproc 2` (each process predicts half the images, rank 0 evaluates) writes the same results file
#     as one process. One thread in every process: the launcher gives each of N processes cores/N threads, and
#     another thread count sums convolutions in another order (results ~1e-7 apart).
checkpoint="$work/ok/iter_4.safetensors"
[ -e "$checkpoint" ] || checkpoint="$(ls "$work"/ok/epoch_*.safetensors 2>/dev/null | head -n 1)"
if [ -z "$checkpoint" ]; then
  fail "the --nproc 2 run left no checkpoint in $work/ok"
else
  timeout 300 env LTDET_NUM_THREADS=1 "$LTDET_BIN" test "$config" "$checkpoint" "${settings[@]}" --eval bbox --work-dir "$work/test1" \
    --out "$work/test1/results.json" >"$work/test1.log" 2>&1 || fail "ltdet test: $(tail -n 2 "$work/test1.log")"
  timeout 300 env LTDET_NUM_THREADS=1 "$LTDET_BIN" test "$config" "$checkpoint" "${settings[@]}" --eval bbox --work-dir "$work/test2" \
    --out "$work/test2/results.json" --nproc 2 >"$work/test2.log" 2>&1 || fail "ltdet test --nproc 2: $(tail -n 2 "$work/test2.log")"
  if ! cmp -s "$work/test1/results.json" "$work/test2/results.json"; then
    fail "ltdet test --nproc 2 wrote other results than one process"
  else
    echo "ltdet test --nproc 2: the results file of one process ($(grep -o image_id "$work/test1/results.json" | wc -l) detections)"
  fi
fi

# 1c. Under PyTorch's own launcher (torchrun --no_python: its agent hosts the TCPStore and sets
#     TORCHELASTIC_USE_AGENT_STORE) the run is the --nproc 2 run: equal losses and the same checkpoint bytes, one
#     thread in every process of both. scripts/reference/torchrun.py is torchrun with a fix for Debian's torch 1.13
#     under Python 3.12.
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 300 env LTDET_NUM_THREADS=1 "$PYTHON" scripts/reference/torchrun.py --no_python --nproc_per_node 2 --master_port "$port" \
  "$LTDET_BIN" train "$config" "${settings[@]}" --set runner.max_epochs=1 --work-dir "$work/torchrun" >"$work/torchrun.log" 2>&1 \
  || fail "torchrun: $(grep -v '^ ' "$work/torchrun.log" | tail -n 3)"
timeout 300 env LTDET_NUM_THREADS=1 "$LTDET_BIN" train "$config" "${settings[@]}" --set runner.max_epochs=1 --work-dir "$work/nproc1t" \
  --nproc 2 >"$work/nproc1t.log" 2>&1 || fail "--nproc 2 with one thread: $(tail -n 3 "$work/nproc1t.log")"
if [ "$(grep -c '"mode":"train"' "$work/torchrun/log.jsonl" 2>/dev/null)" != 4 ]; then
  fail "torchrun run: expected 4 train lines in rank 0's log.jsonl"
elif [ "$(grep '"mode":"train"' "$work/torchrun/log.jsonl" | grep -o '"loss":[^,]*')" != "$(grep '"mode":"train"' "$work/nproc1t/log.jsonl" | grep -o '"loss":[^,]*')" ]; then
  fail "torchrun and --nproc 2 logged different losses"
elif ! cmp -s "$work/torchrun/epoch_1.safetensors" "$work/nproc1t/epoch_1.safetensors"; then
  fail "torchrun and --nproc 2 wrote different checkpoints"
else
  echo "torchrun --nproc_per_node 2: the losses and checkpoint of ltdet train --nproc 2"
fi

# start_long_run DIR: a run far longer than the check, in the background; sets $launcher and waits for training.
start_long_run() {
  "$LTDET_BIN" train "$config" "${settings[@]}" --set runner.max_epochs=1000 --work-dir "$1" --nproc 2 >"$1.log" 2>&1 &
  launcher=$!
  for _ in $(seq 1 240); do [ -s "$1/log.jsonl" ] && return 0; sleep 0.5; done
  fail "the long run in $1 did not start training within 120 s: $(tail -n 3 "$1.log")"
  return 1
}
rank_pid() { # rank_pid LAUNCHER RANK
  local pid
  for pid in $(pgrep -P "$1"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "RANK=$2" && { echo "$pid"; return; }
  done
}

# 2. SIGKILL of rank 1: the launcher stops rank 0 and fails, naming rank 1, well within the collective timeout.
if start_long_run "$work/killed"; then
  rank1=$(rank_pid "$launcher" 1); rank0=$(rank_pid "$launcher" 0)
  if [ -z "$rank1" ] || [ -z "$rank0" ]; then
    fail "could not find the two ranks of launcher $launcher"
  else
    start=$(date +%s)
    kill -9 "$rank1"
    status=0; timeout 60 tail --pid="$launcher" -f /dev/null || status=$?
    wait "$launcher"; code=$?
    elapsed=$(( $(date +%s) - start ))
    if [ "$status" != 0 ]; then fail "the launcher still ran 60 s after rank 1 was killed"
    elif [ "$code" = 0 ]; then fail "the launcher exited 0 after rank 1 was killed"
    elif ! grep -q "rank 1 of 2 exited with signal 9" "$work/killed.log"; then
      fail "the launcher's error does not name rank 1: $(tail -n 2 "$work/killed.log")"
    elif kill -0 "$rank0" 2>/dev/null; then fail "rank 0 (pid $rank0) still runs after the launcher exited"
    else echo "killed rank 1: the launcher exited $code after ${elapsed}s: $(grep -o 'rank 1 of 2.*' "$work/killed.log" | head -n 1)"
    fi
  fi
fi

# 3. SIGTERM to the launcher reaches both ranks.
if start_long_run "$work/terminated"; then
  ranks="$(rank_pid "$launcher" 0) $(rank_pid "$launcher" 1)"
  kill -TERM "$launcher"
  timeout 60 tail --pid="$launcher" -f /dev/null || fail "the launcher still ran 60 s after SIGTERM"
  wait "$launcher"; code=$?
  sleep 1
  for pid in $ranks; do kill -0 "$pid" 2>/dev/null && fail "process $pid still runs after SIGTERM to its launcher"; done
  [ "$code" = 0 ] && fail "the launcher exited 0 after SIGTERM"
  echo "SIGTERM to the launcher: exit $code, processes $ranks gone"
fi

echo "check_launcher: $failed failed"
[ "$failed" = 0 ]
