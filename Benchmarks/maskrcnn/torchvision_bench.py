"""torchvision's Mask R-CNN R50-FPN, set up as LTDet's benchmark model (mmdet's settings where torchvision
has a knob): frozen BN with stage 1 frozen, 1000 post-NMS proposals in training, 512 RoIs and 256 anchors
per image, 80 classes, LVIS test thresholds. Same protocol as bench-maskrcnn: a warm-up, then the median
of REPS training steps (forward, backward, SGD) and REPS inferences; peak RSS of the process.
The SGD learning rate is 0 in both: randomly initialised R50 with identity frozen BN diverges to NaN at any
useful rate, and NaN scores would leave inference without detections (no mask work) on one side.

On a CUDA device (DEVICE cuda) each timed step ends with torch.cuda.synchronize(), and the output adds
torch.cuda.max_memory_allocated/reserved.

usage: torchvision_bench.py write-inputs FILE [HEIGHT WIDTH] | torchvision_bench.py run FILE REPS THREADS [DEVICE]"""
import json
import resource
import sys
import time

import torch
import torchvision
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
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor

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


def run(path, reps, threads, device="cpu"):
    torch.set_num_threads(threads)
    device = torch.device(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.manual_seed(0)
    f = load_file(path)
    backbone = _resnet_fpn_extractor(
        torchvision.models.resnet50(norm_layer=torchvision.ops.misc.FrozenBatchNorm2d), trainable_layers=3)
    model = MaskRCNN(
        backbone, num_classes=NUM_CLASSES + 1, min_size=HEIGHT, max_size=1333, rpn_post_nms_top_n_train=1000,
        box_score_thresh=SCORE_THRESH, box_detections_per_img=DETECTIONS)
    height, width = f["image_sizes"][0].tolist()
    model.transform.min_size, model.transform.max_size = (height,), max(1333, width)
    model.to(device)
    images = [f["images"][i, :, :height, :width].contiguous().to(device) for i in range(IMAGES)]
    # torchvision's labels count background as 0.
    targets = [{"boxes": f[f"boxes{i}"].to(device), "labels": f[f"labels{i}"].to(device) + 1,
                "masks": f[f"masks{i}"].to(device)} for i in range(IMAGES)]
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.0, momentum=0.9, weight_decay=1e-4)
    train = []
    model.train()
    for i in range(reps + 1):
        t = time.perf_counter()
        losses = model(images, targets)
        total = sum(losses.values())
        opt.zero_grad()
        total.backward()
        opt.step()
        sync()
        if i > 0:
            train.append(time.perf_counter() - t)
    train_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model.eval()
    infer, found = [], 0
    with torch.no_grad():
        for i in range(reps + 1):
            t = time.perf_counter()
            found = sum(len(o["boxes"]) for o in model(images))
            sync()
            if i > 0:
                infer.append(time.perf_counter() - t)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    gpu = {}
    if device.type == "cuda":
        gpu = {"cuda_max_allocated_mb": torch.cuda.max_memory_allocated(device) / 2**20,
               "cuda_max_reserved_mb": torch.cuda.max_memory_reserved(device) / 2**20}
    print(json.dumps({**gpu, "device": str(device),
        "framework": "torchvision", "model": "maskrcnn_r50_fpn", "threads": torch.get_num_threads(), "images": IMAGES,
        "input": [height, width], "train_step_s": med(train), "train_runs_s": train, "inference_s": med(infer),
        "inference_runs_s": infer, "detections": found, "peak_rss_mb_after_train": train_peak,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }, sort_keys=True))


if __name__ == "__main__":
    if sys.argv[1] == "write-inputs":
        write_inputs(sys.argv[2], *(int(v) for v in sys.argv[3:5]))
    else:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
