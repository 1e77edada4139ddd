"""The same work as Benchmarks/torch-overhead/Swift/main.swift, in Python PyTorch (Debian's python3-torch,
the same libtorch 1.13 the Swift build links)."""
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("LTDET_NUM_THREADS", os.cpu_count())))
iterations = int(os.environ.get("ITERATIONS", "30"))


class ResidualBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + x)


class ConvStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(32)
        self.blocks = nn.ModuleList([ResidualBlock(32) for _ in range(4)])
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        h = F.relu(self.bn(self.stem(x)))
        for b in self.blocks:
            h = b(h)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, (1, 1)), 1))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(512, 1024), nn.Linear(1024, 1024), nn.Linear(1024, 10)])

    def forward(self, x):
        for i, l in enumerate(self.layers):
            x = l(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


def timed(label, warmup, n, step):
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        step()
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    samples.sort()
    print(f"python {label} median_ms {samples[len(samples) // 2]:.3f}")


torch.manual_seed(0)
conv = ConvStack()
conv_opt = torch.optim.SGD(conv.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
images = torch.randn(16, 3, 64, 64)
conv_labels = torch.randint(0, 10, (16,))


def conv_step():
    loss = F.cross_entropy(conv(images), conv_labels)
    conv_opt.zero_grad(set_to_none=True)
    loss.backward()
    conv_opt.step()


timed("conv_stack", 3, iterations, conv_step)
mlp = MLP()
mlp_opt = torch.optim.SGD(mlp.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
features = torch.randn(256, 512)
mlp_labels = torch.randint(0, 10, (256,))


def mlp_step():
    loss = F.cross_entropy(mlp(features), mlp_labels)
    mlp_opt.zero_grad(set_to_none=True)
    loss.backward()
    mlp_opt.step()


timed("mlp", 5, iterations * 3, mlp_step)
small = torch.randn(8, 8)


def small_ops():
    x = small
    for _ in range(100):
        x = F.relu(x * 0.5 + 1.0)


timed("small_ops_x100", 5, iterations * 3, small_ops)
