"""torchvision's Mask R-CNN R50-FPN doing LTDet's (mmdet 2.x's) work, for Benchmarks/maskrcnn/run.sh.

Same weights: LTDet's initial weights (written by `bench-maskrcnn r50 ... --weights-out`) are loaded under
torchvision's names (`torchvision_state_dict`); the class rows move from LTDet's background-last to
torchvision's background-first layout.

Same settings and the same test-time work: frozen BN with stage 1 frozen, 80 classes, images already
normalised (mean 0, std 1, no resize: 640 x 853), RPN 1000 proposals per level before and 1000 after NMS at
test (2000 / 1000 in training), NMS 0.7, 512 RoIs and 256 anchors per image, score threshold 1e-4, NMS 0.5,
300 detections per image. Where torchvision's own components compute something different from mmdet, the
peer gets mmdet's version built from torchvision's ops (`match_mmdet`), so that both sides do one task:
  - anchors: mmdet's base anchors are not rounded (torchvision rounds them to whole pixels);
  - RoI pooling: mmdet's `SingleRoIExtractor`, RoIAlign `aligned=True` with adaptive sampling
    (`sampling_ratio=0`) and level floor(log2(sqrt(area) / 56)); torchvision's `MultiScaleRoIAlign` uses
    `aligned=False`, 2 x 2 samples per bin and its own level formula;
  - box decoding: mmdet clamps the log-size deltas on both sides (|d| <= log(1000 / 16)), torchvision only
    from above (random weights give large negative ones);
  - small boxes: mmdet's RPN drops proposals of zero width or height, its box head drops none; torchvision
    drops boxes under 1e-3 and 1e-2 pixels.
What is left torchvision's own: the transform's interpolate at scale 1, the mask paste (torchvision's
resize-and-paste per mask instead of mmdet's grid sample) and everything in training (losses, sampling); see
docs/benchmarks.md.

Protocol as bench-maskrcnn: a warm-up, then REPS training steps (forward, backward, SGD at lr 0) and REPS
inferences; then one more training step and one inference under the stage profiler (`StageProfile`), whose
exclusive times are printed by run.sh next to LTDet's. The first inference's detections go to DETECTIONS_OUT
for run.sh's agreement check.

On a CUDA device (DEVICE cuda) each timed step ends with torch.cuda.synchronize(), and the output adds
torch.cuda.max_memory_allocated/reserved.

usage: torchvision_bench.py write-inputs FILE [HEIGHT WIDTH]
       torchvision_bench.py run INPUTS WEIGHTS REPS THREADS DETECTIONS_OUT [DEVICE]"""
import json
import resource
import sys
import time
import types

import torch
import torchvision
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection import roi_heads as tv_roi_heads
from torchvision.models.detection import rpn as tv_rpn
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.ops import roi_align

try:
    from safetensors.torch import load_file, save_file
except ImportError:  # a GPU machine with PyTorch alone: the format is simple enough to write here
    import ctypes
    import struct


    _DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.uint8: "U8", torch.float64: "F64", torch.int32: "I32"}

    def save_file(tensors, path):
        header, blobs, offset = {}, [], 0
        for name, t in tensors.items():
            t = t.contiguous()
            data = ctypes.string_at(t.data_ptr(), t.numel() * t.element_size())
            header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

    def load_file(path):
        raw = open(path, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        names = {v: k for k, v in _DTYPES.items()}
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            a, b = info["data_offsets"]
            dtype = names[info["dtype"]]
            buffer = bytearray(raw[8 + n + a:8 + n + b])
            out[name] = torch.frombuffer(buffer, dtype=dtype).reshape(info["shape"]) if b > a else torch.zeros(info["shape"], dtype=dtype)
        return out

NUM_CLASSES, SCORE_THRESH, DETECTIONS = 80, 1e-4, 300
HEIGHT, WIDTH, IMAGES = 640, 853, 2


def write_inputs(path, height=HEIGHT, width=WIDTH):
    g = torch.Generator().manual_seed(0)
    tensors = {
        "images": torch.zeros(IMAGES, 3, (height + 31) // 32 * 32, (width + 31) // 32 * 32),
        "image_sizes": torch.tensor([[height, width]] * IMAGES),
        "num_classes": torch.tensor(NUM_CLASSES), "score_thresh": torch.tensor(SCORE_THRESH),
        "detections_per_img": torch.tensor(DETECTIONS),
    }
    tensors["images"][:, :, :height, :width] = torch.randn(IMAGES, 3, height, width, generator=g)
    for i in range(IMAGES):
        m = 8
        xy = torch.rand(m, 2, generator=g) * torch.tensor([width - 200.0, height - 200.0])
        boxes = torch.cat([xy, xy + torch.rand(m, 2, generator=g) * 150 + 32], 1).floor()
        masks = torch.zeros(m, height, width, dtype=torch.uint8)
        for k, (x0, y0, x1, y1) in enumerate(boxes.int().tolist()):
            masks[k, y0:y1, x0:x1] = 1
        tensors[f"boxes{i}"] = boxes
        tensors[f"labels{i}"] = torch.randint(0, NUM_CLASSES, (m,), generator=g)
        tensors[f"masks{i}"] = masks
    save_file(tensors, path)


def torchvision_state_dict(ltdet, model):
    """LTDet's (mmdet-named) state dict under torchvision's names. Every torchvision entry must be filled and
    every LTDet entry used, else this raises naming the entry."""
    prefixes = [
        ("backbone.", "backbone.body."),
        ("neck.lateral_convs.{i}.conv.", "backbone.fpn.inner_blocks.{i}.0."),
        ("neck.fpn_convs.{i}.conv.", "backbone.fpn.layer_blocks.{i}.0."),
        ("rpn_head.rpn_conv.", "rpn.head.conv.0.0."),
        ("rpn_head.rpn_cls.", "rpn.head.cls_logits."),
        ("rpn_head.rpn_reg.", "rpn.head.bbox_pred."),
        ("roi_head.bbox_head.shared_fcs.0.", "roi_heads.box_head.fc6."),
        ("roi_head.bbox_head.shared_fcs.1.", "roi_heads.box_head.fc7."),
        ("roi_head.bbox_head.fc_cls.", "roi_heads.box_predictor.cls_score."),
        ("roi_head.bbox_head.fc_reg.", "roi_heads.box_predictor.bbox_pred."),
        ("roi_head.mask_head.convs.{i}.conv.", "roi_heads.mask_head.{i}.0."),
        ("roi_head.mask_head.upsample.", "roi_heads.mask_predictor.conv5_mask."),
        ("roi_head.mask_head.conv_logits.", "roi_heads.mask_predictor.mask_fcn_logits."),
    ]

    def rename(name):
        for src, dst in prefixes:
            for i in range(4) if "{i}" in src else [None]:
                s = src.format(i=i) if i is not None else src
                if name.startswith(s):
                    return (dst.format(i=i) if i is not None else dst) + name[len(s):]
        return None

    out, unused = {}, []
    for name, value in ltdet.items():
        target = rename(name)
        if target is None:
            unused.append(name)
            continue
        if target.startswith("roi_heads.box_predictor.cls_score."):
            # LTDet: classes 0..79, background 80; torchvision: background 0, classes 1..80.
            value = torch.cat([value[-1:], value[:-1]])
        elif target.startswith(("roi_heads.box_predictor.bbox_pred.", "roi_heads.mask_predictor.mask_fcn_logits.")):
            # LTDet has no background row (class-specific deltas and masks of the 80 classes); torchvision's
            # background row is never read: zeros.
            per = value.shape[0] // NUM_CLASSES
            value = torch.cat([torch.zeros_like(value[:per]), value])
        out[target] = value
    expected = model.state_dict()
    missing = sorted(set(expected) - set(out))
    if unused or missing:
        raise SystemExit(f"weights: LTDet entries without a torchvision name {unused[:5]}, "
                         f"torchvision entries not filled {missing[:5]}")
    for name, value in out.items():
        if value.shape != expected[name].shape:
            raise SystemExit(f"weights: {name}: LTDet shape {tuple(value.shape)}, torchvision {tuple(expected[name].shape)}")
    return out


class UnroundedAnchorGenerator(AnchorGenerator):
    """mmdet's base anchors (center offset 0, not rounded to whole pixels)."""

    def generate_anchors(self, scales, aspect_ratios, dtype=torch.float32, device=torch.device("cpu")):
        scales = torch.as_tensor(scales, dtype=dtype, device=device)
        aspect_ratios = torch.as_tensor(aspect_ratios, dtype=dtype, device=device)
        h_ratios = torch.sqrt(aspect_ratios)
        w_ratios = 1 / h_ratios
        ws = (w_ratios[:, None] * scales[None, :]).view(-1)
        hs = (h_ratios[:, None] * scales[None, :]).view(-1)
        return torch.stack([-ws, -hs, ws, hs], dim=1) / 2


class MMDetRoIExtractor(torch.nn.Module):
    """mmdet's SingleRoIExtractor over P2..P5 with torchvision's roi_align (aligned, adaptive sampling)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, features, proposals, image_shapes):
        levels = [features[k] for k in ["0", "1", "2", "3"]]
        rois = torch.cat([torch.cat([torch.full_like(p[:, :1], i), p], 1) for i, p in enumerate(proposals)])
        scale = ((rois[:, 3] - rois[:, 1]) * (rois[:, 4] - rois[:, 2])).sqrt()
        target = torch.floor(torch.log2(scale / 56 + 1e-6)).clamp(min=0, max=3).long()
        out = rois.new_zeros((rois.shape[0], levels[0].shape[1], self.output_size, self.output_size))
        for level, feature in enumerate(levels):
            inds = torch.where(target == level)[0]
            if inds.numel():
                out[inds] = roi_align(
                    feature, rois[inds], (self.output_size, self.output_size), spatial_scale=1 / 2 ** (level + 2),
                    sampling_ratio=0, aligned=True)
        return out


def clamp_size_deltas_from_below(coder):
    """mmdet's delta clamp on a torchvision BoxCoder: log-size deltas also >= -log(1000 / 16)."""
    inner = coder.decode_single
    _, _, ww, wh = coder.weights
    clip = coder.bbox_xform_clip

    def decode_single(rel_codes, boxes):
        rel = rel_codes.clone()
        rel[:, 2::4] = rel[:, 2::4].clamp(min=-clip * ww)
        rel[:, 3::4] = rel[:, 3::4].clamp(min=-clip * wh)
        return inner(rel, boxes)

    coder.decode_single = decode_single


def with_small_box_filter(module, keep):
    """`module`'s view of torchvision.ops.boxes with remove_small_boxes replaced by `keep(boxes, min_size)`."""
    shim = types.SimpleNamespace(**{k: getattr(module.box_ops, k) for k in dir(module.box_ops) if not k.startswith("__")})
    shim.remove_small_boxes = keep
    module.box_ops = shim


def match_mmdet(model):
    model.rpn.anchor_generator = UnroundedAnchorGenerator(
        ((32,), (64,), (128,), (256,), (512,)), ((0.5, 1.0, 2.0),) * 5)
    model.roi_heads.box_roi_pool = MMDetRoIExtractor(7)
    model.roi_heads.mask_roi_pool = MMDetRoIExtractor(14)
    clamp_size_deltas_from_below(model.rpn.box_coder)
    clamp_size_deltas_from_below(model.roi_heads.box_coder)
    # RPN: width and height above 0 (mmdet min_bbox_size 0); box head: no filter.
    with_small_box_filter(tv_rpn, lambda b, min_size=None: torch.where((b[:, 2] - b[:, 0] > 0) & (b[:, 3] - b[:, 1] > 0))[0])
    with_small_box_filter(tv_roi_heads, lambda b, min_size=None: torch.arange(b.shape[0], device=b.device))


class StageProfile:
    """Exclusive wall-clock seconds per stage: a stage's time excludes the stages timed inside it."""

    def __init__(self):
        self.enabled, self.stack, self.times = False, [], {}

    def wrap(self, owner, attr, name):
        inner = getattr(owner, attr)

        def timed(*args, **kwargs):
            if not self.enabled:
                return inner(*args, **kwargs)
            self.stack.append(0.0)
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                nested = self.stack.pop()
                self.times[name] = self.times.get(name, 0.0) + elapsed - nested
                if self.stack:
                    self.stack[-1] += elapsed

        setattr(owner, attr, timed)

    def measure(self, name, body):
        holder = type("Stage", (), {"run": staticmethod(body)})
        self.wrap(holder, "run", name)
        return holder.run()


def instrument(model, profile):
    """The stages of run.sh's table, named as LTDet's StageProfiler names them."""
    w = profile.wrap
    w(model.transform, "forward", "transform (normalise, resize at scale 1, pad)")
    w(model.backbone.body, "forward", "backbone")
    w(model.backbone.fpn, "forward", "fpn")
    w(model.rpn.head, "forward", "rpn.head")
    w(model.rpn.anchor_generator, "forward", "rpn.anchors")
    w(model.rpn.box_coder, "decode", "rpn.proposals")
    w(model.rpn, "filter_proposals", "rpn.proposals")
    w(model.rpn, "assign_targets_to_anchors", "rpn.assign+sample")
    w(model.rpn, "compute_loss", "rpn.loss")
    w(model.roi_heads, "select_training_samples", "roi.assign+sample")
    w(model.roi_heads.box_roi_pool, "forward", "roi.box_roialign")
    w(model.roi_heads.box_head, "forward", "roi.box_head")
    w(model.roi_heads.box_predictor, "forward", "roi.box_head")
    w(tv_roi_heads, "fastrcnn_loss", "roi.box_loss")
    w(model.roi_heads, "postprocess_detections", "roi.box_postprocess (nms)")
    w(model.roi_heads.mask_roi_pool, "forward", "roi.mask_roialign")
    w(model.roi_heads.mask_head, "forward", "roi.mask_head")
    w(model.roi_heads.mask_predictor, "forward", "roi.mask_head")
    w(tv_roi_heads, "project_masks_on_boxes", "roi.mask_targets")
    w(tv_roi_heads, "maskrcnn_loss", "roi.mask_loss")
    w(tv_roi_heads, "maskrcnn_inference", "roi.mask_head")
    w(model.transform, "postprocess", "roi.mask_paste")


def run(path, weights, reps, threads, detections_out, device="cpu"):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    device = torch.device(device)
    # On CUDA each timed step ends with a synchronisation, as LTDet's ends with a host read.
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    f = load_file(path)
    height, width = f["image_sizes"][0].tolist()
    backbone = _resnet_fpn_extractor(
        torchvision.models.resnet50(norm_layer=torchvision.ops.misc.FrozenBatchNorm2d), trainable_layers=3)
    model = MaskRCNN(
        backbone, num_classes=NUM_CLASSES + 1, min_size=height, max_size=max(1333, width), image_mean=[0.0, 0.0, 0.0],
        image_std=[1.0, 1.0, 1.0], rpn_pre_nms_top_n_test=1000, rpn_post_nms_top_n_test=1000,
        rpn_pre_nms_top_n_train=2000, rpn_post_nms_top_n_train=1000, rpn_nms_thresh=0.7,
        rpn_batch_size_per_image=256, box_batch_size_per_image=512, box_score_thresh=SCORE_THRESH,
        box_nms_thresh=0.5, box_detections_per_img=DETECTIONS)
    match_mmdet(model)
    model.load_state_dict(torchvision_state_dict(load_file(weights), model))
    model.to(device)
    profile = StageProfile()
    instrument(model, profile)
    images = [f["images"][i, :, :height, :width].contiguous().to(device) for i in range(IMAGES)]
    # torchvision's labels count background as 0.
    targets = [{"boxes": f[f"boxes{i}"].to(device), "labels": f[f"labels{i}"].to(device) + 1,
                "masks": f[f"masks{i}"].to(device)} for i in range(IMAGES)]
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.0, momentum=0.9, weight_decay=1e-4)

    def train_step():
        losses = model(images, targets)
        total = sum(losses.values())
        profile.measure("zero_grad", opt.zero_grad)
        profile.measure("backward", total.backward)
        profile.measure("optimizer.step", opt.step)
        sync()
        return {k: v.item() for k, v in losses.items()}

    def infer():
        with torch.no_grad():
            out = model(images)
        sync()
        return out

    train, losses = [], {}
    model.train()
    for i in range(reps + 1):
        t = time.perf_counter()
        losses = train_step()
        if i > 0:
            train.append(time.perf_counter() - t)
    train_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    profile.enabled = True
    t = time.perf_counter()
    train_step()
    train_profile = dict(profile.times, total=time.perf_counter() - t)
    profile.enabled, profile.times = False, {}

    model.eval()
    infer_times, found = [], 0
    for i in range(reps + 1):
        t = time.perf_counter()
        out = infer()
        if i > 0:
            infer_times.append(time.perf_counter() - t)
        if i == 0:
            dets = {}
            for k, o in enumerate(out):
                # Back to LTDet's class indices (0..79).
                dets[f"boxes{k}"], dets[f"scores{k}"], dets[f"labels{k}"] = o["boxes"].cpu(), o["scores"].cpu(), o["labels"].cpu() - 1
            save_file({k: v.contiguous() for k, v in dets.items()}, detections_out)
        found = sum(len(o["boxes"]) for o in out)
    profile.enabled = True
    t = time.perf_counter()
    infer()
    infer_profile = dict(profile.times, total=time.perf_counter() - t)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    gpu = {}
    if device.type == "cuda":
        gpu = {"cuda_max_allocated_mb": torch.cuda.max_memory_allocated(device) / 2**20,
               "cuda_max_reserved_mb": torch.cuda.max_memory_reserved(device) / 2**20}
    print(json.dumps({
        **gpu, "device": str(device), "framework": "torchvision", "model": "maskrcnn_r50_fpn", "threads": torch.get_num_threads(), "images": IMAGES,
        "input": [height, width], "train_step_s": med(train), "train_runs_s": train, "inference_s": med(infer_times),
        "inference_runs_s": infer_times, "detections": found, "losses": losses, "peak_rss_mb_after_train": train_peak,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "train_profile_s": train_profile, "inference_profile_s": infer_profile,
    }, sort_keys=True))


if __name__ == "__main__":
    if sys.argv[1] == "write-inputs":
        write_inputs(sys.argv[2], *(int(v) for v in sys.argv[3:5]))
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], *sys.argv[7:8])
