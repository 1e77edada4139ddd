"""mmdet 2.x's training-set filtering, written out in Python, against `ltdet dev dataset`.

    python dataset_filter.py LTDET_BIN WORKDIR ANNOTATION_FILE...

The rules (open-mmlab/mmdetection 2.x `mmdet/datasets/coco.py`, inherited by `lvis.py`; read for facts):
- `_filter_imgs(min_size=32)`, training only: with `filter_empty_gt`, keep an image only when some annotation of a
  dataset category names it (`coco.anns` and `cat_img_map`, the raw annotations); then keep it only when
  min(width, height) >= 32. Test sets are not filtered.
- `_parse_ann_info`: skip an annotation with `ignore`; skip it when its box does not overlap the image
  (inter_w * inter_h == 0 with inter_w = max(0, min(x1 + w, W) - max(x1, 0))); skip it when area <= 0 or w < 1 or
  h < 1; a crowd box goes to `bboxes_ignore`, which Mask R-CNN's pipeline does not collect, so it is no target.
- `get_cat_ids` (what the repeat-factor and class-aware samplers count): the category of every raw annotation.

Each file is read with the API mmdet uses (lvis.LVIS for LVIS files, pycocotools COCO otherwise); besides the
given files the script builds one with every edge case (boxes under 1 px, zero area, outside or touching the
image edge, ignore and crowd flags, an image whose only annotation is filtered out, images of 31 and 32 px, an
image without annotations). For each file, as a training set and as a test set, the image ids in order, the target
annotation ids of each image and its category ids must equal LTDet's.
"""
import contextlib
import io
import json
import subprocess
import sys


def load_api(path):
    with open(path) as f:
        is_lvis = "licenses" not in json.load(f) and "lvis" in path.lower()
    with contextlib.redirect_stdout(io.StringIO()):
        if is_lvis:
            from lvis import LVIS
            api = LVIS(path)
            return api.dataset, api.anns, api.cat_img_map, api.imgs
        from pycocotools.coco import COCO
        api = COCO(path)
        return api.dataset, api.anns, api.catToImgs, api.imgs


def mmdet_reference(path, training):
    dataset, anns, cat_img_map, imgs = load_api(path)
    cat_ids = [c["id"] for c in dataset["categories"]]
    img_ids = [i["id"] for i in dataset["images"]]
    if training:
        ids_with_ann = set(a["image_id"] for a in anns.values())
        ids_in_cat = set()
        for c in cat_ids:
            ids_in_cat |= set(cat_img_map.get(c, []))
        ids_in_cat &= ids_with_ann
        img_ids = [i for i in img_ids if i in ids_in_cat and min(imgs[i]["width"], imgs[i]["height"]) >= 32]
    anns_of_image = {}
    for a in dataset["annotations"]:  # file order, as coco.get_ann_ids / load_anns return them
        anns_of_image.setdefault(a["image_id"], []).append(a)
    result = []
    for i in img_ids:
        info, targets = imgs[i], []
        for a in anns_of_image.get(i, []):
            if a.get("ignore", False):
                continue
            x1, y1, w, h = a["bbox"]
            inter_w = max(0, min(x1 + w, info["width"]) - max(x1, 0))
            inter_h = max(0, min(y1 + h, info["height"]) - max(y1, 0))
            if inter_w * inter_h == 0:
                continue
            if a["area"] <= 0 or w < 1 or h < 1:
                continue
            if a["category_id"] not in cat_ids:
                continue
            if not a.get("iscrowd", False):
                targets.append(a["id"])
        result.append({"id": i, "annotation_ids": targets,
                       "category_ids": [a["category_id"] for a in anns_of_image.get(i, [])]})
    return result


def edge_case_file(path):
    def ann(i, image, bbox, area=None, **extra):
        a = {"id": i, "image_id": image, "category_id": 1 + i % 2, "bbox": bbox,
             "area": bbox[2] * bbox[3] if area is None else area,
             "segmentation": [[bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]]],
             "iscrowd": 0}
        a.update(extra)
        return a
    images = [{"id": 1, "width": 100, "height": 80, "file_name": "a.jpg"},
              {"id": 2, "width": 100, "height": 80, "file_name": "b.jpg"},
              {"id": 3, "width": 31, "height": 200, "file_name": "c.jpg"},
              {"id": 4, "width": 32, "height": 32, "file_name": "d.jpg"},
              {"id": 5, "width": 64, "height": 64, "file_name": "e.jpg"}]
    annotations = [ann(1, 1, [10, 10, 20, 20]), ann(2, 1, [10, 10, 0.5, 20]), ann(3, 1, [10, 10, 20, 0.99]),
                   ann(4, 1, [10, 10, 1, 1]), ann(5, 1, [10, 10, 20, 20], area=0), ann(6, 1, [100, 10, 5, 5]),
                   ann(7, 1, [-5, 10, 5, 5]), ann(8, 1, [99.5, 79.5, 5, 5]), ann(9, 1, [-3, -3, 120, 90]),
                   ann(10, 1, [5, 5, 10, 10], ignore=True), ann(11, 1, [5, 5, 10, 10], iscrowd=1),
                   ann(12, 2, [0, 80, 10, 10]), ann(13, 3, [1, 1, 10, 10]), ann(14, 4, [1, 1, 10, 10])]
    categories = [{"id": 1, "name": "a", "frequency": "f"}, {"id": 2, "name": "b", "frequency": "r"}]
    with open(path, "w") as f:
        json.dump({"images": images, "annotations": annotations, "categories": categories}, f)


def main():
    ltdet, work, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    edge = f"{work}/edge_cases_coco.json"
    edge_case_file(edge)
    failures = 0
    for path in files + [edge]:
        for training in (True, False):
            out = f"{work}/ltdet.json"
            run = subprocess.run([ltdet, "dev", "dataset", "--ann", path, "--out", out] + (["--training"] if training else []),
                                 capture_output=True, text=True)
            split = "training" if training else "test"
            if run.returncode != 0:
                print(f"FAIL {path} ({split}): ltdet exited {run.returncode}: {run.stderr.strip()}")
                failures += 1
                continue
            with open(out) as f:
                got = json.load(f)["images"]
            want = mmdet_reference(path, training)
            problems = []
            if [g["id"] for g in got] != [w["id"] for w in want]:
                problems.append(f"images {sorted(set(g['id'] for g in got) ^ set(w['id'] for w in want))[:10]} differ "
                                f"({len(got)} kept, mmdet keeps {len(want)})")
            else:
                for g, w in zip(got, want):
                    if g["annotation_ids"] != w["annotation_ids"] or g["category_ids"] != w["category_ids"]:
                        problems.append(f"image {g['id']}: targets {g['annotation_ids']} categories {g['category_ids']}, "
                                        f"mmdet {w['annotation_ids']} {w['category_ids']}")
            if problems:
                failures += 1
                print(f"FAIL {path} ({split}): " + "; ".join(problems[:5]))
            else:
                targets = sum(len(w["annotation_ids"]) for w in want)
                raw = sum(len(w["category_ids"]) for w in want)
                print(f"dataset_filter: {path} ({split}): {len(want)} images, {targets} of {raw} annotations are "
                      f"targets, as mmdet")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
