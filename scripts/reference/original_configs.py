"""Writes scripts/reference/originals/*.json, the values check_config_audit.sh compares the shipped configs with, by
resolving the original config files themselves (mmcv's `_base_` inheritance and dict merging, `_delete_`) and
reading each value LTDet has a key for out of the resolved dict, in LTDet's key paths. Run once by hand, with the
original repositories checked out; CI reads only the JSON it wrote.

    python original_configs.py TREES_DIR [NAME...]

TREES_DIR holds one folder per source, each the repository's `configs/` tree (and the files listed below added):
  pcb/      megvii-research/PCB @ 066cd92 (mmdet 2.16), plus mmdetection's seesaw_loss configs @ da7301b and
            configs/lvis (from fcjian/LOCE's mmdet 2.8 copy, identical in the keys read) resolved on mmdet 2.16's bases
  loce/     fcjian/LOCE @ 0a0194d (mmdet 2.8)
  eqlv2/    tztztztztz/eqlv2 @ 907fad9 (mmdet 2.3)
  rio/      NVlabs/RIO @ 29fc770: projects/RIO/configs, projects/RIO/memory_bank/cfg.py and detectron2/config/defaults.py
made with `git -C MIRROR archive HEAD configs | tar -x -C TREES_DIR/SOURCE`; the four seesaw_loss files (r50,
random and sample1e-3, each with its normed_mask variant) are mmdetection's at da7301b, the four configs/lvis
files (r50 / r101, 1x v1 / 2x v0.5) LOCE's.

Version rules applied while reading (each from the original source, not from LTDet):
- mmdet 2.3 / 2.8 keep every proposal at `min_bbox_size=0` (their `_get_bboxes` filters only when > 0); mmdet
  2.16 drops degenerate ones at 0. LTDet reads 0 as 2.16 does and -1 as "keep all", so 2.3 / 2.8's 0 is -1 here.
- A loss's parameters the config leaves out take the loss class's defaults (DEFAULTS below, read from the
  originals' `__init__`s); PCB's loss types (CrossEntropyPCBLoss, EQLv2PCBLoss, SeesawPCBLoss) are LTDet's loss
  plus its `pcb:` section.
- `ClassBalancedDataset(oversample_thr=0)` repeats nothing: LTDet's `shuffled` sampler.
- mmdet's train loader always groups by aspect ratio (`GroupSampler` / `DistributedGroupSampler`).
"""
import ast
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Defaults of the loss classes' __init__ (read from the original sources).
DEFAULTS = {
    "EQLv2": {"gamma": 12, "mu": 0.8, "alpha": 4.0},  # eqlv2 mmdet/models/losses/eqlv2.py
    "EQLv2PCBLoss": {"gamma": 12, "mu": 0.8, "alpha": 4.0, "momentum": 0.99, "start_epoch": 17, "alpha_pcb": 0.0},
    "SeesawLoss": {"p": 0.8, "q": 2.0, "eps": 1e-2},  # mmdet/models/losses/seesaw_loss.py
    "SeesawPCBLoss": {"p": 0.8, "q": 2.0, "eps": 1e-2, "momentum": 0.99, "start_epoch": 17, "alpha": 0.0},
    "CrossEntropyPCBLoss": {"momentum": 0.99, "start_epoch": 17, "alpha": 0.0},
}

# The common reasons for an intended difference.
BATCH = ("LTDet trains one process of 2 images and scales lr by reference_batch_size 16; optimizer.cumulative_iters: 8 "
         "gives the original's 16-image update (docs/developer/engine.md)")
EVAL = "evaluating at another interval does not change training"
CKPT = "a checkpoint every epoch (newest 3 kept) does not change training"
SEESAW_CLS = ("LTDet's SeesawLoss builds its classifier as the original's cls_predictor_cfg NormedLinear(tempearture 20) "
              "itself (SeesawLoss.swift), so the config has no cls_predictor_cfg")

# Original name -> (shipped config, source tree, original config under configs/, trained 2x where the original is 1x).
MANIFEST = {
    "mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1": (
        "configs/eqlv2/mask_rcnn_r50_fpn_eqlv2_1x_lvis_v1.yaml", "eqlv2", "end2end/eqlv2_r50_8x2_1x.py", False),
    "mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v0.5": (
        "configs/mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v0.5.yaml", "pcb",
        "lvis/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v0.5.py", False),
    "mask_rcnn_r101_fpn_sample1e-3_mstrain_2x_lvis_v0.5": (
        "configs/mask_rcnn/mask_rcnn_r101_fpn_sample1e-3_mstrain_2x_lvis_v0.5.yaml", "pcb",
        "lvis/mask_rcnn_r101_fpn_sample1e-3_mstrain_2x_lvis_v0.5.py", False),
    "mask_rcnn_r50_fpn_sample1e-3_mstrain_1x_lvis_v1": (
        "configs/mask_rcnn/mask_rcnn_r50_fpn_sample1e-3_mstrain_2x_lvis_v1.yaml", "pcb",
        "lvis/mask_rcnn_r50_fpn_sample1e-3_mstrain_1x_lvis_v1.py", True),
    "mask_rcnn_r101_fpn_sample1e-3_mstrain_1x_lvis_v1": (
        "configs/mask_rcnn/mask_rcnn_r101_fpn_sample1e-3_mstrain_2x_lvis_v1.yaml", "pcb",
        "lvis/mask_rcnn_r101_fpn_sample1e-3_mstrain_1x_lvis_v1.py", True),
    "mask_rcnn_r50_fpn_sample1e-3_seesaw_loss_mstrain_2x_lvis_v1": (
        "configs/seesaw_loss/mask_rcnn_r50_fpn_seesaw_sample1e-3_mstrain_2x_lvis_v1.yaml", "pcb",
        "seesaw_loss/mask_rcnn_r50_fpn_sample1e-3_seesaw_loss_mstrain_2x_lvis_v1.py", False),
    "mask_rcnn_r50_fpn_sample1e-3_seesaw_loss_normed_mask_mstrain_2x_lvis_v1": (
        "configs/seesaw_loss/mask_rcnn_r50_fpn_seesaw_sample1e-3_normed_mask_mstrain_2x_lvis_v1.yaml", "pcb",
        "seesaw_loss/mask_rcnn_r50_fpn_sample1e-3_seesaw_loss_normed_mask_mstrain_2x_lvis_v1.py", False),
    "mask_rcnn_r50_fpn_random_seesaw_loss_mstrain_2x_lvis_v1": (
        "configs/seesaw_loss/mask_rcnn_r50_fpn_seesaw_random_mstrain_2x_lvis_v1.yaml", "pcb",
        "seesaw_loss/mask_rcnn_r50_fpn_random_seesaw_loss_mstrain_2x_lvis_v1.py", False),
    "mask_rcnn_r50_fpn_random_seesaw_loss_normed_mask_mstrain_2x_lvis_v1": (
        "configs/seesaw_loss/mask_rcnn_r50_fpn_seesaw_random_normed_mask_mstrain_2x_lvis_v1.yaml", "pcb",
        "seesaw_loss/mask_rcnn_r50_fpn_random_seesaw_loss_normed_mask_mstrain_2x_lvis_v1.py", False),
    "loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1": (
        "configs/loce/loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1.yaml", "loce",
        "loce/loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1.py", False),
    "loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5": (
        "configs/loce/loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5.yaml", "loce",
        "loce/loce_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5.py", False),
    "loce_mask_rcnn_r101_fpn_normed_mask_mstrain_2x_lvis_v1": (
        "configs/loce/loce_mask_rcnn_r101_fpn_normed_mask_mstrain_2x_lvis_v1.yaml", "loce",
        "loce/loce_mask_rcnn_r101_fpn_normed_mask_mstrain_2x_lvis_v1.py", False),
    "loce_stage1_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1": (
        "configs/loce/mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1.yaml", "loce",
        "loce/mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v1.py", False),
    "loce_stage1_mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5": (
        "configs/loce/mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5.yaml", "loce",
        "loce/mask_rcnn_r50_fpn_normed_mask_mstrain_2x_lvis_v0.5.py", False),
}
for _name in ["mask_rcnn_r50_fpn_mstrain_eqlv2_pcb_2x_lvis_v1", "mask_rcnn_r50_fpn_mstrain_eqlv2_pcb_2x_lvis_v0.5",
              "mask_rcnn_r50_fpn_mstrain_pcb_2x_lvis_v1", "mask_rcnn_r50_fpn_mstrain_pcb_2x_lvis_v0.5",
              "mask_rcnn_r50_fpn_sample1e-3_mstrain_pcb_2x_lvis_v1", "mask_rcnn_r50_fpn_sample1e-3_mstrain_pcb_2x_lvis_v0.5",
              "mask_rcnn_r50_fpn_sample1e-3_seesaw_pcb_normed_mask_mstrain_2x_lvis_v1",
              "mask_rcnn_r50_fpn_sample1e-3_seesaw_pcb_normed_mask_mstrain_2x_lvis_v0.5",
              "mask_rcnn_r101_fpn_sample1e-3_seesaw_pcb_normed_mask_mstrain_2x_lvis_v1"]:
    MANIFEST[_name] = (f"configs/pcb/{_name}.yaml", "pcb", f"pcb/{_name}_fp16.py", False)

for _size, _depth in (("r50", "R_50"), ("r101", "R_101"), ("x101_32x8d", "X_101_32x8d")):
    for _version, _folder in (("v1", "LVISv1"), ("v0.5", "LVISv0.5")):
        MANIFEST[f"rio_{_size}_{_version}"] = (
            f"configs/rio/mask_rcnn_{_size}_fpn_rio_1x_lvis_{_version}.yaml", "rio",
            f"projects/RIO/configs/{_folder}-InstanceSegmentation/memory_mask_rcnn_{_depth}_FPN_1x.yaml", False)

SOURCES = {
    "rio": "NVlabs/RIO @ 29fc770 (Detectron2 v0.3 defaults, memory_bank/cfg.py)",
    "pcb": "megvii-research/PCB @ 066cd92 (mmdet 2.16 bases); seesaw_loss from open-mmlab/mmdetection @ da7301b, "
           "lvis from mmdetection 2.8 (fcjian/LOCE's copy), both on those bases",
    "loce": "fcjian/LOCE @ 0a0194d (mmdet 2.8)",
    "eqlv2": "tztztztztz/eqlv2 @ 907fad9 (mmdet 2.3)",
}
KEEPS_ALL_AT_ZERO = {"loce", "eqlv2"}  # mmdet < 2.1x: min_bbox_size 0 skips the filter


def load(path):
    """mmcv Config.fromfile for plain-Python configs: bases first (in order), then this file merged on top."""
    namespace = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), namespace)
    bases = namespace.get("_base_", [])
    bases = [bases] if isinstance(bases, str) else bases
    merged = {}
    for base in bases:
        merged.update(load(os.path.normpath(os.path.join(os.path.dirname(path), base))))
    own = {k: v for k, v in namespace.items() if not k.startswith("__") and k != "_base_"
           and not callable(v) and type(v).__name__ != "module"}
    return merge(own, merged)


def merge(child, base):
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not value.get("_delete_", False):
            out[key] = merge(value, out[key])
        elif isinstance(value, dict):
            out[key] = {k: v for k, v in value.items() if k != "_delete_"}
        else:
            out[key] = value
    return out


class CfgNode(dict):
    """Enough of yacs' CfgNode to execute Detectron2's config/defaults.py."""

    def __init__(self, init=None):
        super().__init__(init or {})

    def __getattr__(self, name):
        return self[name]

    def __setattr__(self, name, value):
        self[name] = value


def load_detectron2(tree, path):
    """Detectron2 v0.3's defaults, RIO's add_memory_config, then the YAML with its _BASE_ chain merged on top."""
    import yaml
    namespace = {"CN": CfgNode}
    with open(os.path.join(tree, "detectron2/config/defaults.py")) as f:
        exec(f.read().replace("from .config import CfgNode as CN", ""), namespace)
    with open(os.path.join(tree, "projects/RIO/memory_bank/cfg.py")) as f:
        exec(f.read(), namespace)
    cfg = namespace["_C"]
    namespace["add_memory_config"](cfg)

    def chain(file):
        with open(file) as f:
            node = yaml.safe_load(f)
        base = node.pop("_BASE_", None)
        return (chain(os.path.join(os.path.dirname(file), base)) if base else []) + [node]

    def overlay(target, node):
        for key, value in node.items():
            if isinstance(value, dict):
                overlay(target.setdefault(key, CfgNode()), value)
            elif isinstance(value, str) and value[:1] in "([":  # yacs reads "(640, 672)" as a Python literal
                target[key] = ast.literal_eval(value)
            else:
                target[key] = value

    for node in chain(path):
        overlay(cfg, node)
    return cfg


def rio_values(cfg):
    """RIO's settings in LTDet's keys: the replay, the classifier, the sampler, the input sizes, the schedule and the
    test settings. The detector itself is LTDet's mmdet baseline by design (configs/_base_/rio.yaml)."""
    model, heads, solver = cfg.MODEL, cfg.MODEL.ROI_HEADS, cfg.SOLVER
    v = {
        "model.num_classes": heads.NUM_CLASSES,
        "model.backbone.depth": model.RESNETS.DEPTH,
        "model.backbone.groups": model.RESNETS.NUM_GROUPS,
        "model.backbone.frozen_stages": model.BACKBONE.FREEZE_AT - 1,  # d2 counts the stem as stage 1
        "model.roi_head.long_tail.0.type": "MemoryReplay",
        "model.roi_head.long_tail.0.queue_size": heads.MAX_CACHE,  # roi_heads.py: kept per class
        "model.roi_head.long_tail.0.replay_size": heads.MIN_CACHE,  # roi_heads.py: sampled each time
        "model.roi_head.long_tail.0.random_select": heads.RANDOM_SELECT,
        "model.roi_head.bbox_head.cls_predictor_cfg.type": {"cosine": "CosineSimilarityLinear"}[heads.CLS_LAYER],
        "model.roi_head.bbox_head.cls_predictor_cfg.temperature": heads.TEMP_S,
        "model.train_cfg.rcnn.sampler.num": heads.BATCH_SIZE_PER_IMAGE,
        "model.train_cfg.rcnn.sampler.pos_fraction": heads.POSITIVE_FRACTION,
        "model.train_cfg.rpn.sampler.num": model.RPN.BATCH_SIZE_PER_IMAGE,
        "model.train_cfg.rpn.sampler.pos_fraction": model.RPN.POSITIVE_FRACTION,
        "model.test_cfg.rcnn.score_thr": heads.SCORE_THRESH_TEST,
        "model.test_cfg.rcnn.iou_threshold": heads.NMS_THRESH_TEST,
        "model.test_cfg.rcnn.max_per_img": cfg.TEST.DETECTIONS_PER_IMAGE,
        "data.sampler.type": {"RepeatFactorTrainingSampler": "repeat_factor"}[cfg.DATALOADER.SAMPLER_TRAIN],
        "data.sampler.threshold": cfg.DATALOADER.REPEAT_THRESHOLD,
        "data.sampler.rounding": "stochastic",  # RepeatFactorTrainingSampler._get_epoch_indices
        "data.train_pipeline.short_sides": list(cfg.INPUT.MIN_SIZE_TRAIN),
        "data.train_pipeline.max_long_side": cfg.INPUT.MAX_SIZE_TRAIN,
        # Detectron2 rasterises polygon masks in each box (rasterize_polygons_within_box): the PolygonMasks family.
        "data.train_pipeline.poly2mask": {"polygon": False, "bitmask": True}[cfg.INPUT.MASK_FORMAT],
        "data.test_pipeline.short_sides": [cfg.INPUT.MIN_SIZE_TEST],
        "data.test_pipeline.max_long_side": cfg.INPUT.MAX_SIZE_TEST,
        "data.mean": list(reversed(model.PIXEL_MEAN)),  # d2 lists BGR
        "data.std": list(reversed(model.PIXEL_STD)),
        "data.samples_per_gpu": solver.IMS_PER_BATCH,
        "optimizer.lr": solver.BASE_LR,
        "optimizer.momentum": solver.MOMENTUM,
        "optimizer.weight_decay": solver.WEIGHT_DECAY,
        "lr_config.warmup": solver.WARMUP_METHOD,
        "lr_config.warmup_iters": solver.WARMUP_ITERS,
        "lr_config.warmup_ratio": solver.WARMUP_FACTOR,
        "lr_config.gamma": solver.GAMMA,
        "lr_config.step": list(solver.STEPS),
        "runner.type": "IterBasedRunner",
        "runner.max_iters": solver.MAX_ITER,
        "checkpoint_config.interval_iters": solver.CHECKPOINT_PERIOD,
        "pretrained": model.WEIGHTS,
    }
    if model.RESNETS.NUM_GROUPS > 1:
        v["model.backbone.base_width"] = model.RESNETS.WIDTH_PER_GROUP
    return v


RIO_WEIGHTS = ("RIO starts from Detectron2's caffe-style ImageNet weights (BGR 0-255 input, its PIXEL_MEAN/STD); LTDet "
               "reads no .pkl and starts from torchvision's with their normalisation (README: weights)")
RIO_BATCH = "LTDet trains one process of 2 images and scales lr by reference_batch_size 16 (RIO: 16 images a step)"


def pipeline_step(pipeline, kind):
    return next((s for s in pipeline if s["type"] == kind), None)


def ltdet_values(cfg, source):
    """The original's value for each LTDet key it has one for."""
    v = {}
    model = cfg["model"]
    roi, bbox = model["roi_head"], model["roi_head"]["bbox_head"]
    train_cfg = model.get("train_cfg", cfg.get("train_cfg"))
    test_cfg = model.get("test_cfg", cfg.get("test_cfg"))
    v["model.num_classes"] = bbox["num_classes"]
    backbone = model["backbone"]
    v["model.backbone.depth"] = backbone["depth"]
    v["model.backbone.frozen_stages"] = backbone["frozen_stages"]
    v["model.backbone.norm_eval"] = backbone["norm_eval"]
    if backbone["type"] == "ResNeXt":
        v["model.backbone.groups"], v["model.backbone.base_width"] = backbone["groups"], backbone["base_width"]
    pretrained = model.get("pretrained") or backbone.get("init_cfg", {}).get("checkpoint")
    if pretrained:
        v["pretrained"] = pretrained
    v["model.neck.out_channels"] = model["neck"]["out_channels"]
    rpn = model["rpn_head"]
    v["model.rpn_head.feat_channels"] = rpn["feat_channels"]
    for k in ("scales", "ratios", "strides"):
        v[f"model.rpn_head.anchor_generator.{k}"] = list(rpn["anchor_generator"][k])
    v["model.rpn_head.target_stds"] = list(rpn["bbox_coder"]["target_stds"])
    v["model.roi_head.type"] = roi["type"] if roi["type"] == "IterativeRoIHead" else "StandardRoIHead"
    if roi["type"] == "IterativeRoIHead":
        for k in ("n_iter", "iter_loss_weight", "reg_iter", "use_layer_norm"):
            v[f"model.roi_head.{k}"] = roi[k]
    v["model.roi_head.bbox_head.roi_feat_size"] = bbox["roi_feat_size"]
    v["model.roi_head.bbox_head.fc_out_channels"] = bbox["fc_out_channels"]
    v["model.roi_head.bbox_head.target_stds"] = list(bbox["bbox_coder"]["target_stds"])
    if "cls_predictor_cfg" in bbox:
        v["model.roi_head.bbox_head.cls_predictor_cfg.type"] = bbox["cls_predictor_cfg"]["type"]
    loss = dict(DEFAULTS.get(bbox["loss_cls"]["type"], {}), **bbox["loss_cls"])
    kind = loss["type"]
    prefix = "model.roi_head.bbox_head.loss_cls."
    if kind in ("EQLv2", "EQLv2PCBLoss"):
        v[prefix + "type"] = "EQLv2"
        for k in ("gamma", "mu", "alpha"):
            v[prefix + k] = loss[k]
    elif kind in ("SeesawLoss", "SeesawPCBLoss"):
        v[prefix + "type"] = "SeesawLoss"
        for k in ("p", "q", "eps", "loss_weight"):
            v[prefix + k] = loss[k]
    elif kind in ("CrossEntropyLoss", "CrossEntropyPCBLoss"):
        v[prefix + "type"] = "CrossEntropyLoss"
        v[prefix + "use_sigmoid"] = loss.get("use_sigmoid", False)
    elif kind == "EquilibriumLoss":
        v[prefix + "type"] = "EquilibriumLoss"
        v[prefix + "momentum"] = train_cfg["rcnn"]["alpha"]
        v[prefix + "background_score"] = train_cfg["rcnn"]["bg_score"]
    else:
        raise ValueError(f"no LTDet mapping for loss {kind}")
    if kind.endswith("PCBLoss"):
        v["model.roi_head.bbox_head.pcb.alpha"] = loss["alpha_pcb" if kind == "EQLv2PCBLoss" else "alpha"]
        v["model.roi_head.bbox_head.pcb.momentum"] = loss["momentum"]
        v["model.roi_head.bbox_head.pcb.start_epoch"] = loss["start_epoch"]
    mask = roi["mask_head"]
    v["model.roi_head.mask_head.roi_feat_size"] = roi["mask_roi_extractor"]["roi_layer"]["output_size"]
    v["model.roi_head.mask_head.num_convs"] = mask["num_convs"]
    v["model.roi_head.mask_head.conv_out_channels"] = mask["conv_out_channels"]
    if "predictor_cfg" in mask or mask["type"] == "FCNNormMaskHead":  # LOCE's head is mmdet's NormedConv2d one
        predictor = mask.get("predictor_cfg", {"type": "NormedConv2d", "tempearture": 20})
        v["model.roi_head.mask_head.predictor_cfg.type"] = predictor["type"]
        v["model.roi_head.mask_head.predictor_cfg.tempearture"] = predictor["tempearture"]
    mfs = train_cfg["rcnn"].get("mfs")
    if mfs:  # LOCE's memory-augmented feature sampling, LTDet's one long-tail component
        v["model.roi_head.long_tail"] = [{
            "type": "MFS", "sampled_num_classes": mfs["sampled_num_classes"],
            "sampled_num_features": mfs["sampled_num_features"], "queue_size": mfs["queue_size"],
            "memory_on_device": mfs["gpu_statictics"]}]

    def min_size(stage):
        size = stage["min_bbox_size"]
        return -1 if size == 0 and source in KEEPS_ALL_AT_ZERO else size

    for stage in ("rpn", "rcnn"):
        a, s = train_cfg[stage]["assigner"], train_cfg[stage]["sampler"]
        for k in ("pos_iou_thr", "neg_iou_thr", "min_pos_iou", "match_low_quality"):
            v[f"model.train_cfg.{stage}.assigner.{k}"] = a[k]
        for k in ("num", "pos_fraction", "add_gt_as_proposals"):
            v[f"model.train_cfg.{stage}.sampler.{k}"] = s[k]
    for key, stage in (("model.train_cfg.rpn_proposal", train_cfg["rpn_proposal"]), ("model.test_cfg.rpn", test_cfg["rpn"])):
        v[f"{key}.nms_pre"] = stage["nms_pre"]
        v[f"{key}.max_per_img"] = stage.get("max_per_img", stage.get("max_num"))
        v[f"{key}.iou_threshold"] = stage["nms"]["iou_threshold"] if "nms" in stage else stage["nms_thr"]
        v[f"{key}.min_bbox_size"] = min_size(stage)
    v["model.train_cfg.mask_size"] = train_cfg["rcnn"]["mask_size"]
    rcnn = test_cfg["rcnn"]
    v["model.test_cfg.rcnn.score_thr"] = rcnn["score_thr"]
    v["model.test_cfg.rcnn.iou_threshold"] = rcnn["nms"]["iou_threshold"]
    v["model.test_cfg.rcnn.max_per_img"] = rcnn["max_per_img"]
    v["model.test_cfg.rcnn.mask_thr_binary"] = rcnn["mask_thr_binary"]

    data = cfg["data"]
    train = data["train"]
    if train.get("type") == "ClassBalancedDataset" and train["oversample_thr"] > 0:
        v["data.sampler.type"], v["data.sampler.threshold"] = "repeat_factor", train["oversample_thr"]
        v["data.sampler.rounding"] = "ceil"
    else:
        v["data.sampler.type"] = "shuffled"
    v["data.sampler.group_by_aspect_ratio"] = True
    # Without ClassBalancedDataset the split is the dataset (a child config that replaced the type without
    # `_delete_` leaves the base's `dataset` key behind, which mmdet never reads).
    dataset = train["dataset"] if train.get("type") == "ClassBalancedDataset" else train
    v["data.train.filter_empty_gt"] = dataset.get("filter_empty_gt", True)
    pipeline = dataset["pipeline"]
    resize = pipeline_step(pipeline, "Resize")
    scales = resize["img_scale"] if isinstance(resize["img_scale"], list) else [resize["img_scale"]]
    if len(scales) > 1 and resize.get("multiscale_mode", "range") != "value":
        raise ValueError("multiscale_mode 'range' has no LTDet key")
    v["data.train_pipeline.short_sides"] = sorted(min(s) for s in scales)
    v["data.train_pipeline.max_long_side"] = max(max(s) for s in scales)
    v["data.train_pipeline.flip_ratio"] = pipeline_step(pipeline, "RandomFlip")["flip_ratio"]
    v["data.train_pipeline.poly2mask"] = pipeline_step(pipeline, "LoadAnnotations").get("poly2mask", True)
    test_scale = pipeline_step(data["test"]["pipeline"], "MultiScaleFlipAug")["img_scale"]
    v["data.test_pipeline.short_sides"] = [min(test_scale)]
    v["data.test_pipeline.max_long_side"] = max(test_scale)
    norm = pipeline_step(pipeline, "Normalize")
    v["data.mean"], v["data.std"], v["data.to_rgb"] = list(norm["mean"]), list(norm["std"]), norm["to_rgb"]
    v["data.samples_per_gpu"] = data["samples_per_gpu"] * 8  # the originals' 8 GPUs

    opt = cfg["optimizer"]
    v["optimizer.type"], v["optimizer.lr"] = opt["type"], opt["lr"]
    v["optimizer.momentum"], v["optimizer.weight_decay"] = opt["momentum"], opt["weight_decay"]
    lr = cfg["lr_config"]
    for k in ("policy", "warmup", "warmup_iters", "warmup_ratio", "step"):
        v[f"lr_config.{k}"] = lr[k]
    v["runner.max_epochs"] = cfg["runner"]["max_epochs"] if "runner" in cfg else cfg["total_epochs"]
    v["evaluation.interval"] = cfg.get("evaluation", {}).get("interval", 1)
    v["checkpoint_config.interval"] = cfg["checkpoint_config"]["interval"]
    if cfg.get("selectp") == 1:  # LOCE tools/train.py select_training_param
        v["train_params"] = ["fc_cls", "fc_reg", "rpn", "mask_head"]
    if any(h["type"] == "InitializerHook" for h in cfg.get("custom_hooks", [])):
        v["balanced_init.images_per_class"] = 5  # LOCE mmdet/core/utils/initializer_hook.py: 5 images a class
    return v


def explanations(values, config_file, schedule_2x):
    explained = {"data.samples_per_gpu": BATCH, "checkpoint_config.interval": CKPT, "evaluation.interval": EVAL}
    if "model.roi_head.bbox_head.cls_predictor_cfg.type" in values:
        explained["model.roi_head.bbox_head.cls_predictor_cfg.type"] = SEESAW_CLS
    if "balanced_init.images_per_class" in values:
        explained["pretrained"] = ("LOCE's stage 2 loads every weight from stage 1's checkpoint (load_from), which "
                                   "overwrites the ImageNet weights its model names, so LTDet's stage 2 names none")
    if schedule_2x:
        reason = ("LTDet's LVIS v1 RFS baseline trains the 2x schedule of the Seesaw / PCB recipes it is compared "
                  "with; mmdet's own LVIS v1 config is 1x")
        explained["lr_config.step"] = explained["runner.max_epochs"] = reason
    return explained


def main():
    trees, names = sys.argv[1], sys.argv[2:] or sorted(MANIFEST)
    for name in names:
        config, source, original, schedule_2x = MANIFEST[name]
        if source == "rio":
            values = rio_values(load_detectron2(os.path.join(trees, "rio"), os.path.join(trees, "rio", original)))
            explained = {"pretrained": RIO_WEIGHTS, "data.mean": RIO_WEIGHTS, "data.std": RIO_WEIGHTS,
                         "data.samples_per_gpu": RIO_BATCH}
        else:
            values = ltdet_values(load(os.path.join(trees, source, "configs", original)), source)
            explained = explanations(values, config, schedule_2x)
        out = {
            "config": config,
            "original": f"{SOURCES[source]}: {original if source == 'rio' else 'configs/' + original}, resolved with "
                        "its bases by scripts/reference/original_configs.py",
            "values": values,
            "notes": {"data.samples_per_gpu": "the original batch" + ("" if source == "rio" else ": 8 GPUs x samples_per_gpu")},
            "explained": {k: r for k, r in explained.items() if k in values},
        }
        if source in KEEPS_ALL_AT_ZERO:
            out["notes"]["model.train_cfg.rpn_proposal.min_bbox_size"] = (
                "the original's 0 under mmdet 2.3 / 2.8 skips the filter, which is -1 in LTDet (mmdet 2.1x semantics)")
        path = os.path.join(HERE, "originals", os.path.basename(config).replace(".yaml", ".json"))
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
        print(f"{name}: {len(values)} values -> {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
