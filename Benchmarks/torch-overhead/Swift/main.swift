// Times forward + backward + SGD step of a ResNet-style conv stack and of an MLP through LTDet's Torch layer.
// Benchmarks/torch-overhead/run.sh runs this and bench.py (the same work in Python PyTorch, same libtorch,
// same thread count) in one go and prints the ratio.
import Foundation
import Torch

final class ResidualBlock: Module, UnaryLayer {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let conv2: Conv2d
    let bn2: BatchNorm2d

    init(channels: Int, generator: Generator) throws {
        conv1 = try Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn1 = try BatchNorm2d(channels)
        conv2 = try Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn2 = try BatchNorm2d(channels)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try bn2(conv2(bn1(conv1(x)).relu()))
        return try (y + x).relu()
    }
}

final class ConvStack: Module {
    let stem: Conv2d
    let bn: BatchNorm2d
    let blocks: [ResidualBlock]
    let fc: Linear

    init(generator: Generator) throws {
        stem = try Conv2d(3, 32, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: generator)
        bn = try BatchNorm2d(32)
        blocks = try (0..<4).map { _ in try ResidualBlock(channels: 32, generator: generator) }
        fc = try Linear(32, 10, generator: generator)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try bn(stem(x)).relu()
        for b in blocks { h = try b(h) }
        return try fc(Functional.adaptiveAvgPool2d(h, outputSize: (1, 1)).flatten(startDim: 1))
    }
}

final class MLP: Module {
    let layers: [Linear]

    init(generator: Generator) throws {
        layers = [try Linear(512, 1024, generator: generator), try Linear(1024, 1024, generator: generator),
                  try Linear(1024, 10, generator: generator)]
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = x
        for (i, l) in layers.enumerated() { h = try l(h); if i < layers.count - 1 { h = try h.relu() } }
        return h
    }
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func time(_ label: String, warmup: Int, iterations: Int, _ step: () throws -> Void) throws -> Double {
    for _ in 0..<warmup { try step() }
    var samples: [Double] = []
    for _ in 0..<iterations {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try step()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    let m = median(samples)
    print(String(format: "swift %@ median_ms %.3f", label, m))
    return m
}

Runtime.configureProcess()
let iterations = Int(ProcessInfo.processInfo.environment["ITERATIONS"] ?? "") ?? 30
let g = try Generator(seed: 0)
let conv = try ConvStack(generator: g)
let convOpt = SGD(conv.parameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
let images = try Tensor.randn([16, 3, 64, 64], generator: g)
let convLabels = try Tensor.randint(0, 10, [16], generator: g)
_ = try time("conv_stack", warmup: 3, iterations: iterations) {
    let loss = try Functional.crossEntropy(conv(images), convLabels)
    try convOpt.zeroGrad()
    try loss.backward()
    try convOpt.step()
}
let mlp = try MLP(generator: g)
let mlpOpt = SGD(mlp.parameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
let features = try Tensor.randn([256, 512], generator: g)
let mlpLabels = try Tensor.randint(0, 10, [256], generator: g)
_ = try time("mlp", warmup: 5, iterations: iterations * 3) {
    let loss = try Functional.crossEntropy(mlp(features), mlpLabels)
    try mlpOpt.zeroGrad()
    try loss.backward()
    try mlpOpt.step()
}
// Tiny tensors: the per-op cost of crossing the language boundary dominates here.
let small = try Tensor.randn([8, 8])
_ = try time("small_ops_x100", warmup: 5, iterations: iterations * 3) {
    var x = small
    for _ in 0..<100 { x = try (x * 0.5 + 1.0).relu() }
}
