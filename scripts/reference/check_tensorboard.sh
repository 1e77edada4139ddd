#!/usr/bin/env bash
# Reference check of the TensorBoard event files LTDet writes natively (WORK_DIR/tf_logs): a small demo run's
# files read back by the `tensorboard` Python package equal its log.jsonl, scalar for scalar (training and
# evaluation entries). Needs LTDET_BIN and PYTHON with tensorboard (scripts/setup --reference installs it).
# Usage: check_tensorboard.sh
set -uo pipefail
cd "$(dirname "$0")/../.."

LTDET_BIN="${LTDET_BIN:-$PWD/.build/release/ltdet}"
PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
echo "check_tensorboard: ltdet $LTDET_BIN, python $PYTHON"
"$PYTHON" -c "import tensorboard" 2>/dev/null || { echo "FAILED: $PYTHON has no tensorboard (run scripts/setup --reference)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$LTDET_BIN" demo --work-dir "$work/demo" --train-images 24 --val-images 6 --image-size 96 --method none \
  --set runner.max_iters=4 log_config.interval=1 > "$work/demo.log" 2>&1 || { echo "FAILED: demo"; tail -5 "$work/demo.log"; exit 1; }
"$PYTHON" scripts/reference/tensorboard_read.py "$work/demo/baseline"
