#!/usr/bin/env bash
# Two "machines" on this one: two network namespaces joined by a veth pair (10.77.0.1 and 10.77.0.2), each
# running one node of a 2-node job (`ltdet train --nnodes 2 --node-rank K --nproc P`), rank 0's TCPStore on
# node 0. What a real multi-machine run does, with the same commands, over a real (virtual) network link.
# Needs root (ip netns). docs/multi-machine.md shows a run.
#   scripts/dist/two_machines.sh [LTDET_BINARY] [PROCESSES_PER_NODE]
set -euo pipefail
cd "$(dirname "$0")/../.."
ltdet=$(realpath "${1:-.build/release/ltdet}")
nproc=${2:-1}
[ -x "$ltdet" ] || { echo "two_machines.sh: no ltdet binary at $ltdet (swift build -c release --product ltdet)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "two_machines.sh: needs root for ip netns" >&2; exit 2; }

work=$(mktemp -d /tmp/ltdet-two-machines.XXXX)
cleanup() {
  ip netns del ltdet-node0 2>/dev/null || true
  ip netns del ltdet-node1 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add ltdet-node0
ip netns add ltdet-node1
ip link add ltdet-veth0 type veth peer name ltdet-veth1
ip link set ltdet-veth0 netns ltdet-node0
ip link set ltdet-veth1 netns ltdet-node1
ip -n ltdet-node0 addr add 10.77.0.1/24 dev ltdet-veth0
ip -n ltdet-node1 addr add 10.77.0.2/24 dev ltdet-veth1
for n in 0 1; do
  ip -n ltdet-node$n link set lo up
  ip -n ltdet-node$n link set ltdet-veth$n up
done
ip -n ltdet-node0 -brief addr show ltdet-veth0
ip -n ltdet-node1 -brief addr show ltdet-veth1

"$ltdet" synth --out "$work/synth" --classes 4 --train-images 16 --val-images 4 --image-size 64 --seed 1 >/dev/null
settings=(
  --set data.train.ann_file="$work/synth/annotations/train.json" --set data.train.img_prefix="$work/synth/images"
  --set data.val.ann_file="$work/synth/annotations/val.json" --set data.val.img_prefix="$work/synth/images"
  --set model.num_classes=4 --set data.samples_per_gpu=2 --set runner.max_epochs=1 --set evaluation.metric=[]
  --set log_config.interval=1 --set lr_config.warmup_iters=2
  --set data.train_pipeline.short_sides=[64] --set data.train_pipeline.max_long_side=64
)
for n in 0 1; do
  # Each node has its own work directory, as machines without a shared disk would: only node 0's is written.
  ip netns exec ltdet-node$n env GLOO_SOCKET_IFNAME=ltdet-veth$n \
    "$ltdet" train configs/demo/mask_rcnn_r18_fpn_synth.yaml "${settings[@]}" --work-dir "$work/node$n" \
    --nproc "$nproc" --nnodes 2 --node-rank $n --master-addr 10.77.0.1 --master-port 29733 \
    >"$work/node$n.log" 2>&1 &
  pids[$n]=$!
done
status=0
for n in 0 1; do
  code=0
  wait "${pids[$n]}" || code=$?
  [ $code = 0 ] || status=$code
  echo "--- node $n (exit $code)"
  tail -n 3 "$work/node$n.log"
done
echo "--- node 0 work directory: $(ls "$work/node0" | tr '\n' ' ')"
echo "--- node 1 work directory: $(ls "$work/node1" 2>/dev/null | tr '\n' ' ')"
echo "--- log.jsonl (rank 0): $(wc -l <"$work/node0/log.jsonl") lines, last iteration $(tail -n 1 "$work/node0/log.jsonl" | grep -o '"iter":[0-9]*')"
exit $status
