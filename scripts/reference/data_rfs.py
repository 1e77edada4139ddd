"""Independent reference for repeat factor sampling (docs/methods.md), checked against `ltdet stats --json`.

Usage: data_rfs.py ANNOTATIONS.json LTDET_STATS.json THRESHOLD SEED
Recomputes, from the annotation file alone, the class image counts (also via lvis-api's LVIS index
when the file is LVIS), class factors r_c = max(1, sqrt(t / f_c)), image factors r_I (max over
the image's classes, 1 without annotations), ceil repeats, both epoch lengths and one epoch of
stochastic rounding (floor(r_I) + [u < r_I - floor(r_I)], u from SplitMix64 seeded as LTDet's
RepeatFactorSampler seeds epoch 0), and exits non-zero on any difference.
"""
import json
import math
import sys

MASK = (1 << 64) - 1


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class SplitMix64:
    def __init__(self, seed, *keys):
        state = mix((seed + 0x9E3779B97F4A7C15) & MASK)
        for key in keys:
            state = mix(state ^ mix((key + 0xD1B54A32D192ED03) & MASK))
        self.state = state

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        return mix(self.state)

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53


def main():
    ann_path, stats_path, threshold, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    data = json.load(open(ann_path))
    stats = json.load(open(stats_path))
    cats_per_image = {img["id"]: set() for img in data["images"]}
    for a in data["annotations"]:
        cats_per_image[a["image_id"]].add(a["category_id"])
    image_ids = [img["id"] for img in data["images"]]
    num_images = len(image_ids)
    class_images = {}
    for cats in cats_per_image.values():
        for c in cats:
            class_images[c] = class_images.get(c, 0) + 1

    if all("neg_category_ids" in img for img in data["images"]):
        from lvis import LVIS
        index = LVIS(ann_path)
        for c in index.get_cat_ids():
            via_lvis = len(set(index.cat_img_map[c]))
            assert via_lvis == class_images.get(c, 0), (c, via_lvis, class_images.get(c, 0))

    def class_factor(c):
        if threshold == 0:
            return 1.0
        return max(1.0, math.sqrt(threshold / (class_images[c] / num_images)))

    image_factors = [max((class_factor(c) for c in cats_per_image[i]), default=1.0) for i in image_ids]
    ceil_repeats = [math.ceil(r) for r in image_factors]
    rng = SplitMix64(seed, 0x12F5, 0)
    stochastic = []
    for r in image_factors:
        whole = math.floor(r)
        stochastic.append(int(whole) + (1 if rng.unit() < r - whole else 0))

    failures = []
    theirs = stats["image_repeat_factors"]
    if len(theirs) != num_images:
        failures.append(f"image factor count {len(theirs)} != {num_images}")
    else:
        worst = max((abs(a - b) for a, b in zip(theirs, image_factors)), default=0.0)
        if worst > 1e-12:
            failures.append(f"image factors differ by up to {worst}")
    for entry in stats["classes"]:
        c = entry["id"]
        expected = class_factor(c) if c in class_images else None
        got = entry.get("repeat_factor")  # absent (null) for a class no image contains
        if (expected is None) != (got is None) or (expected is not None and abs(expected - got) > 1e-12):
            failures.append(f"class {c}: repeat factor {got} != {expected}")
        if entry["images"] != class_images.get(c, 0):
            failures.append(f"class {c}: images {entry['images']} != {class_images.get(c, 0)}")
    if stats["ceil_epoch_length"] != sum(ceil_repeats):
        failures.append(f"ceil epoch length {stats['ceil_epoch_length']} != {sum(ceil_repeats)}")
    if abs(stats["expected_stochastic_epoch_length"] - sum(image_factors)) > 1e-9:
        failures.append(f"stochastic expected length {stats['expected_stochastic_epoch_length']} != {sum(image_factors)}")
    if stats["stochastic_repeats_epoch0"] != stochastic:
        diff = sum(1 for a, b in zip(stats["stochastic_repeats_epoch0"], stochastic) if a != b)
        failures.append(f"stochastic repeats differ on {diff} images")

    name = ann_path.split("/")[-1]
    if failures:
        print(f"data_rfs {name} t={threshold}: FAIL")
        for f in failures[:20]:
            print("  " + f)
        sys.exit(1)
    repeated = sum(1 for r in ceil_repeats if r > 1)
    print(f"data_rfs {name} t={threshold}: OK ({num_images} images, {len(class_images)} classes, "
          f"{repeated} images repeated, ceil epoch {sum(ceil_repeats)}, stochastic expected {sum(image_factors):.3f}, "
          f"epoch 0 {sum(stochastic)})")


if __name__ == "__main__":
    main()
