"""The config audit: each shipped config that has an original, resolved by `ltdet print-config`, against the
original's values (resolved from the original config files with their bases by original_configs.py, once, and
kept as JSON in scripts/reference/originals/, in LTDet's key paths). Every other shipped config must be listed in
NO_ORIGINAL with the reason.

    python config_audit.py LTDET_BIN

A value that differs fails the audit unless the JSON's `explained` names the key with the reason (an intended
difference, e.g. the per-process batch). Numbers compare to 1e-9 relative; lists element by element.
"""
import glob
import json
import os
import subprocess
import sys

import yaml


# Keys `ltdet print-config` leaves out when a config does not set them, with what LTDet then uses
# (RoIHeadFactory: a head without a type is the standard one; BBoxHeadConfig.makeClassificationLoss: no loss_cls
# is softmax cross-entropy; CrossEntropyLossConfig: use_sigmoid unset is false).
UNSET = {
    "model.roi_head.type": "StandardRoIHead",
    "model.roi_head.bbox_head.loss_cls.type": "CrossEntropyLoss",
    "model.roi_head.bbox_head.loss_cls.use_sigmoid": False,
}


def lookup(tree, path):
    node = tree
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return KeyError
    return node


def number(value):
    """YAML 1.2 floats such as 8e+0 (what print-config writes) are strings to PyYAML's YAML 1.1 rules."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def same(a, b):
    a, b = number(a), number(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


# Shipped configs with no original to compare with, and why. A shipped config that is neither here nor audited
# fails the audit, so a new config cannot go unaudited by accident.
NO_ORIGINAL = {
    "configs/demo/": "LTDet's synthetic demo, no original",
    "configs/benchmark/": "the long-tail benchmark's synthetic-set rows (one shared base, each method changing only "
        "what it must; ltdet benchmark longtail), no original",
    "configs/mask_rcnn/mask_rcnn_r50_fpn_random_mstrain_2x_lvis_v1.yaml":
        "the plain softmax 2x baseline no original ships as a config (mmdet's LVIS v1 config uses RFS); PCB's softmax "
        "recipes built on it are audited",
    "configs/loce/mask_rcnn_r50_fpn_ebl_2x_lvis_v1.yaml": "an ablation (EBL trained end to end), not a LOCE config",
    "configs/loce/mask_rcnn_r101_fpn_normed_mask_mstrain_2x_lvis_v1.yaml":
        "LOCE's R101 stage 1 names a _base_ LOCE does not ship; its stage 2, which sets the recipe, is audited",
    "configs/rio/rio_r18_fpn_synth.yaml": "RIO on LTDet's synthetic demo, no original",
}


def main():
    ltdet = sys.argv[1]
    root = os.path.dirname(os.path.abspath(__file__))
    failures = 0
    audited = set()
    for path in glob.glob(os.path.join(root, "originals", "*.json")):
        with open(path) as f:
            audited.add(json.load(f)["config"])
    repo = os.path.dirname(os.path.dirname(root))
    for path in sorted(glob.glob(os.path.join(repo, "configs", "*", "*.yaml"))):
        config = os.path.relpath(path, repo)
        if config.startswith("configs/_base_/") or config in audited:
            continue
        reason = next((why for prefix, why in NO_ORIGINAL.items() if config.startswith(prefix)), None)
        if reason is None:
            print(f"FAIL {config}: neither audited (scripts/reference/originals/) nor listed in NO_ORIGINAL")
            failures += 1
        else:
            print(f"config_audit: {config}: not audited: {reason}")
    for path in sorted(glob.glob(os.path.join(root, "originals", "*.json"))):
        with open(path) as f:
            original = json.load(f)
        run = subprocess.run([ltdet, "print-config", original["config"]], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {original['config']}: print-config exited {run.returncode}: {run.stderr.strip()}")
            failures += 1
            continue
        resolved = yaml.safe_load(run.stdout)
        unexplained, explained = [], []
        for key, want in original["values"].items():
            got = lookup(resolved, key)
            if got is KeyError:
                got = UNSET.get(key, KeyError)
            if got is KeyError:
                (explained if key in original.get("explained", {}) else unexplained).append(
                    f"{key}: missing (original {want!r})")
            elif not same(got, want):
                (explained if key in original.get("explained", {}) else unexplained).append(
                    f"{key}: {got!r}, original {want!r}")
        for line in explained:
            key = line.split(":")[0]
            print(f"config_audit: {original['config']}: explained difference {line} ({original['explained'][key]})")
        for line in unexplained:
            print(f"FAIL {original['config']}: {line}")
        failures += bool(unexplained)
        print(f"config_audit: {original['config']}: {len(original['values']) - len(unexplained) - len(explained)} of "
              f"{len(original['values'])} values equal the original, {len(explained)} explained, "
              f"{len(unexplained)} unexplained")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
