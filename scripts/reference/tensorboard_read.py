#!/usr/bin/env python3
"""Reads a run's TensorBoard event files (WORK_DIR/tf_logs) with the `tensorboard` package and checks them against
the run's log.jsonl: every numeric value of every entry (but its position: epoch, iter, inner_iter, epoch_iters) is
the scalar "<mode>/<key>" at step "iter" (as float32),
and there are no other scalars.

    tensorboard_read.py WORK_DIR

Exit status 0 when they agree, 1 otherwise.
"""
import json
import os
import sys

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main():
    work = sys.argv[1]
    want = {}
    with open(os.path.join(work, "log.jsonl")) as f:
        for line in f:
            entry = json.loads(line)
            for key, value in entry.items():
                # Where the entry sits (run iteration, epoch, position in the epoch) is its step, not a scalar.
                if key in ("mode", "epoch", "iter", "inner_iter", "epoch_iters") or not isinstance(value, (int, float)):
                    continue
                want.setdefault(f"{entry['mode']}/{key}", []).append((entry["iter"], float(np.float32(value))))
    acc = EventAccumulator(os.path.join(work, "tf_logs"), size_guidance={"scalars": 0})
    acc.Reload()
    got = {tag: [(e.step, float(np.float32(e.value))) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
    failures = [f"{tag}: log.jsonl {want.get(tag)} != event file {got.get(tag)}"
                for tag in sorted(set(want) | set(got)) if want.get(tag) != got.get(tag)]
    if failures:
        print(f"tensorboard {work}: {len(failures)} tags differ")
        for line in failures[:10]:
            print("  " + line)
        return 1
    print(f"tensorboard {work}: {len(got)} scalar tags, {sum(len(v) for v in got.values())} points equal to log.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
