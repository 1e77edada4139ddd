#!/usr/bin/env python3
"""LVIS evaluation benchmark: LTDet (`ltdet eval`) vs lvis-api 0.5.3 vs faster-coco-eval 1.8.0 (LVIS mode,
maxDets [300]) on the same synthetic files (generate.py), bbox and segm. Each tool runs in its own process
under /usr/bin/time -v: wall time end to end (process start, JSON loading, evaluation, summary) and peak
resident memory; the evaluation time alone as each tool reports it. Prints a table with ratios and writes
it as JSON next to the data.

    run.py --ltdet .build/release/ltdet [--images 2000 5000] [--iou-types bbox segm]
           [--tools ltdet lvis-api faster-coco-eval] [--work work_dirs/lvis-eval]
    run.py --tool lvis-api|faster-coco-eval --gt GT --results RES --iou-type T   (internal: one measured run)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def one_run(args):
    """Runs one reference evaluator in this process and prints its timings and AP as a JSON line."""
    import logging

    import numpy as np
    if not hasattr(np, "float"):
        np.float = float
    t0 = time.time()
    if args.tool == "lvis-api":
        logging.getLogger("lvis").setLevel(logging.ERROR)
        from lvis import LVIS, LVISEval, LVISResults
        gt = LVIS(args.gt)
        dt = LVISResults(gt, args.results)
        t1 = time.time()
        ev = LVISEval(gt, dt, args.iou_type)
        ev.run()
        metrics = {k: float(v) for k, v in ev.get_results().items()}
    else:
        import contextlib
        import io
        from faster_coco_eval import COCO, COCOeval_faster
        with contextlib.redirect_stdout(io.StringIO()):
            gt = COCO(args.gt)
            dt = gt.loadRes(args.results)
            t1 = time.time()
            ev = COCOeval_faster(gt, dt, args.iou_type, lvis_style=True, print_function=lambda *a: None)
            ev.params.maxDets = [300]
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        metrics = {k: float(v) for k, v in ev.stats_as_dict.items()}
    t2 = time.time()
    print(json.dumps({"load_s": t1 - t0, "eval_s": t2 - t1, "metrics": metrics}))


def measured(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, CPU seconds, peak RSS bytes, stdout, stderr)."""
    t0 = time.time()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) * 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", proc.stderr).group(1)) for k in ("User", "System"))
    return wall, cpu, rss, proc.stdout, proc.stderr


def ensure_data(work, images):
    out = os.path.join(work, f"{images}")
    if not (os.path.exists(os.path.join(out, "gt.json")) and os.path.exists(os.path.join(out, "results.json"))):
        cats = os.path.join(ROOT, "..", "shared", "data", "lvis", "lvis_v1_categories.json")
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--images", str(images), "--seed", "0",
                        "--categories", cats, "--out", out], check=True)
    return os.path.join(out, "gt.json"), os.path.join(out, "results.json")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", choices=["lvis-api", "faster-coco-eval"])
    ap.add_argument("--gt")
    ap.add_argument("--results")
    ap.add_argument("--iou-type", default="bbox")
    ap.add_argument("--ltdet", default=os.environ.get("LTDET_BIN", os.path.join(ROOT, ".build", "release", "ltdet")))
    ap.add_argument("--images", type=int, nargs="+", default=[2000, 5000])
    ap.add_argument("--iou-types", nargs="+", default=["bbox", "segm"])
    ap.add_argument("--lviskit", default=os.path.join(ROOT, ".build", "release", "lviskit"),
                    help="the libtorch-free LVISKit driver (run.sh builds it)")
    ap.add_argument("--tools", nargs="+", default=["ltdet", "lviskit", "lvis-api", "faster-coco-eval"])
    ap.add_argument("--work", default=os.path.join(ROOT, "work_dirs", "lvis-eval"))
    args = ap.parse_args()
    if args.tool:
        return one_run(args)
    if "lviskit" in args.tools and not os.path.exists(args.lviskit):
        args.tools.remove("lviskit")

    rows = []
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    for images in args.images:
        gt, res = ensure_data(args.work, images)
        size_mb = (os.path.getsize(gt) + os.path.getsize(res)) / 1e6
        for iou in args.iou_types:
            row = {"images": images, "iou_type": iou, "input_mb": size_mb}
            for tool in args.tools:
                if tool in ("ltdet", "lviskit"):
                    binary = args.ltdet if tool == "ltdet" else args.lviskit
                    cmd = [binary, "eval", "--gt", gt, "--results", res, "--iou-type", iou, "--style", "lvis"]
                    wall, cpu, rss, out, err = measured(cmd)
                    eval_s = float(re.search(r"evaluation: ([0-9.]+) s", err).group(1))
                    ap_value = float(re.search(r"^AP +[0-9.-]+ +\(([^)]+)\)", out, re.M).group(1))
                else:
                    wall, cpu, rss, out, _ = measured([sys.executable, os.path.abspath(__file__), "--tool", tool, "--gt", gt,
                                                  "--results", res, "--iou-type", iou])
                    info = json.loads(out.strip().splitlines()[-1])
                    eval_s = info["eval_s"]
                    ap_value = info["metrics"].get("AP", info["metrics"].get("AP_all"))
                row[tool] = {"wall_s": wall, "cpu_s": cpu, "eval_s": eval_s, "peak_rss_mb": rss / 2**20, "AP": ap_value}
                print(f"  {images} images {iou:4s} {tool:17s} end to end {wall:7.2f} s (CPU {cpu:7.2f} s), "
                      f"evaluation {eval_s:7.2f} s, peak {rss / 2**20:7.0f} MiB, AP {ap_value}", flush=True)
            rows.append(row)

    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    print("images iou   tool               end-to-end    CPU time  eval-only  peak MiB   LTDet faster: end to end (wall, CPU) / "
          "eval-only; memory")
    for row in rows:
        base = row.get("ltdet")
        for tool in args.tools:
            r = row[tool]
            ratio = ""
            if base and tool not in ("ltdet", "lviskit"):
                ratio = (f"{r['wall_s'] / base['wall_s']:5.1f}x, {r['cpu_s'] / base['cpu_s']:5.1f}x / "
                         f"{r['eval_s'] / base['eval_s']:5.1f}x;  {r['peak_rss_mb'] / base['peak_rss_mb']:4.1f}x the memory")
            print(f"{row['images']:6d} {row['iou_type']:5s} {tool:17s} {r['wall_s']:9.2f} s {r['cpu_s']:9.2f} s "
                  f"{r['eval_s']:8.2f} s {r['peak_rss_mb']:8.0f}   {ratio}")
    os.makedirs(args.work, exist_ok=True)
    with open(os.path.join(args.work, "benchmark.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
