"""The config audit: each shipped config that has an original, resolved by `ltdet print-config`, against the
original's values (read by hand from the original config files, with their bases, and kept as JSON in
scripts/reference/originals/, in LTDet's key paths).

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


def lookup(tree, path):
    node = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return KeyError
        node = node[part]
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


def main():
    ltdet = sys.argv[1]
    root = os.path.dirname(os.path.abspath(__file__))
    failures = 0
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
                unexplained.append(f"{key}: missing (original {want!r})")
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
