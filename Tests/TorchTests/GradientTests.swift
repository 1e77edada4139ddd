import Testing

@testable import Torch

/// Every differentiable op family, gradient-checked in float64 against central finite differences.
@Suite("Gradients match finite differences")
struct GradientTests {
    @Test func arithmetic() throws {
        let a = input([3, 4], seed: 1)
        let b = input([3, 4], seed: 2, scale: 0.5, offset: 2)
        try gradCheck([a, b]) { x in try x[0] + x[1] * x[0] - x[1] / 3.0 }
        try gradCheck([a, b]) { x in try x[0] / x[1] + 2.0 - x[0] }
        try gradCheck([b, a]) { x in try x[0].pow(x[1]) + x[0].pow(2.5) }
        try gradCheck([a, input([4], seed: 3)]) { x in try x[0] * x[1] }  // broadcasting
        try gradCheck([a, b]) { x in try x[0].maximum(x[1] - 2.0) + x[0].minimum(x[1] - 2.0) }
    }

    @Test func unaryMath() throws {
        let pos = input([2, 5], seed: 4, scale: 0.8, offset: 1.2)
        let any = input([2, 5], seed: 5, scale: 2)
        try gradCheck([pos]) { x in try x[0].log() + x[0].sqrt() + x[0].rsqrt() + x[0].reciprocal() + x[0].log2() }
        try gradCheck([any]) { x in try x[0].exp() + x[0].sigmoid() + x[0].tanh() + x[0].sin() + x[0].cos() }
        try gradCheck([any]) { x in try x[0].log1p().isNaN().logicalNot().to(.float64) * x[0].expm1() }
        try gradCheck([any]) { x in try x[0].square() + x[0].logSigmoid() + x[0].gelu() }
        // Kinks at 0 are avoided by the offset: relu, abs and clamp are piecewise linear.
        try gradCheck([input([2, 5], seed: 6, scale: 0.5, offset: 1)]) { x in
            try (x[0] - 1.0).relu() + (x[0] - 1.0).abs() + x[0].clamp(min: 0.8, max: 1.2) + x[0].leakyRelu(0.1)
        }
    }

    @Test func reductions() throws {
        let a = input([3, 4, 2], seed: 7)
        try gradCheck([a]) { x in try x[0].sum() }
        try gradCheck([a]) { x in try x[0].sum([1], keepDim: true) * x[0] }
        try gradCheck([a]) { x in try x[0].mean(dim: 2) }
        try gradCheck([a]) { x in try x[0].amax([1]) + x[0].max(dim: 0).values.sum(dim: 0) }
        try gradCheck([a]) { x in try x[0].logSumExp([2]) }
        try gradCheck([a]) { x in try x[0].norm([1]) + x[0].variance([0]).sum() + x[0].std([2]).sum() }
        try gradCheck([a]) { x in try x[0].cumsum(dim: 1) + x[0].cumprod(dim: 2) }
        try gradCheck([a]) { x in try x[0].topk(2, dim: 1).values }
        try gradCheck([a]) { x in try x[0].sort(dim: 1, descending: true).values }
    }

    @Test func linearAlgebra() throws {
        try gradCheck([input([3, 4], seed: 8), input([4, 5], seed: 9)]) { x in try x[0].matmul(x[1]) }
        try gradCheck([input([2, 3, 4], seed: 10), input([4, 2], seed: 11)]) { x in try x[0].matmul(x[1]) }
        try gradCheck([input([3, 4], seed: 12), input([5, 4], seed: 13), input([5], seed: 14)]) { x in
            try Functional.linear(x[0], weight: x[1], bias: x[2])
        }
    }

    @Test func convolutions() throws {
        let image = input([2, 4, 6, 5], seed: 15)
        try gradCheck([image, input([3, 4, 3, 3], seed: 16), input([3], seed: 17)]) { x in
            try Functional.conv2d(x[0], weight: x[1], bias: x[2], stride: (2, 1), padding: (1, 1))
        }
        try gradCheck([image, input([4, 2, 3, 3], seed: 18)]) { x in
            try Functional.conv2d(x[0], weight: x[1], padding: (2, 2), dilation: (2, 2), groups: 2)
        }
        try gradCheck([input([1, 4, 3, 3], seed: 19), input([4, 3, 2, 2], seed: 20), input([3], seed: 21)]) { x in
            try Functional.convTranspose2d(x[0], weight: x[1], bias: x[2], stride: (2, 2))
        }
        try gradCheck([input([1, 4, 3, 3], seed: 22), input([4, 1, 3, 3], seed: 23)]) { x in
            try Functional.convTranspose2d(x[0], weight: x[1], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1), groups: 2)
        }
    }

    @Test func normalisation() throws {
        let image = input([3, 4, 3, 2], seed: 24)
        let w = input([4], seed: 25, scale: 0.5, offset: 1)
        let b = input([4], seed: 26)
        try gradCheck([image, w, b], tolerance: 1e-5) { x in
            let mean = try Tensor.zeros([4], dtype: .float64)
            let variance = try Tensor.ones([4], dtype: .float64)
            return try Functional.batchNorm(
                x[0], weight: x[1], bias: x[2], runningMean: mean, runningVar: variance, training: true)
        }
        try gradCheck([image, w, b], tolerance: 1e-5) { x in
            try Functional.groupNorm(x[0], groups: 2, weight: x[1], bias: x[2])
        }
        try gradCheck([input([3, 5], seed: 27), input([5], seed: 28), input([5], seed: 29)], tolerance: 1e-5) { x in
            try Functional.layerNorm(x[0], normalizedShape: [5], weight: x[1], bias: x[2])
        }
    }

    @Test func activationsAndPooling() throws {
        let a = input([3, 5], seed: 30, scale: 2)
        try gradCheck([a]) { x in try x[0].softmax(dim: 1) }
        try gradCheck([a]) { x in try x[0].logSoftmax(dim: 0) }
        let image = input([1, 2, 6, 6], seed: 31)
        try gradCheck([image]) { x in try Functional.maxPool2d(x[0], kernel: (2, 2)) }
        try gradCheck([image]) { x in try Functional.maxPool2d(x[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try gradCheck([image]) { x in try Functional.avgPool2d(x[0], kernel: (2, 2)) }
        try gradCheck([image]) { x in try Functional.adaptiveAvgPool2d(x[0], outputSize: (4, 3)) }
        try gradCheck([image]) { x in try Functional.interpolate(x[0], size: (9, 4), mode: .bilinear) }
        try gradCheck([image]) { x in try Functional.interpolate(x[0], size: (12, 12), mode: .nearest) }
        try gradCheck([image]) { x in try Functional.interpolate(x[0], scale: 2, mode: .bilinear, alignCorners: true) }
    }

    @Test func shapes() throws {
        let a = input([2, 3, 4], seed: 32)
        let b = input([2, 3, 4], seed: 33)
        try gradCheck([a, b]) { x in try Tensor.cat([x[0], x[1]], dim: 1) }
        try gradCheck([a, b]) { x in try Tensor.stack([x[0], x[1]], dim: 2) }
        try gradCheck([a]) { x in
            let parts = try x[0].split(sizes: [1, 3], dim: 2)
            return try parts[1].sum(dim: 2) * parts[0].squeeze(dim: 2)
        }
        try gradCheck([a]) { x in try x[0].chunk(2, dim: 2)[1] }
        try gradCheck([a]) { x in try x[0].view(6, 4).t().reshape(4, 3, 2).permute(2, 0, 1) }
        try gradCheck([a]) { x in try x[0].transposed(0, 2).contiguous().flatten(startDim: 1) }
        try gradCheck([input([3, 1], seed: 34)]) { x in try x[0].expand([3, 4]) + x[0].repeated([2, 3]).sum() }
        try gradCheck([a]) { x in try x[0].narrow(dim: 1, start: 1, length: 2).slice(dim: 2, start: 0, end: 4, step: 2) }
        try gradCheck([a]) { x in try x[0].select(dim: 1, index: 2).unsqueeze(dim: 0).flip([2]) }
        try gradCheck([a]) { x in try x[0].padded([1, 2, 0, 1], value: 3) }
        try gradCheck([a]) { x in try x[0].repeatInterleave(2, dim: 0) }
        try gradCheck([input([4, 4], seed: 35)]) { x in try x[0].tril() + x[0].triu(1) }
    }

    @Test func indexing() throws {
        let a = input([5, 3], seed: 36)
        let idx = try Tensor([Int64(4), 0, 4, 2])
        try gradCheck([a]) { x in try x[0].indexSelect(dim: 0, index: idx) }
        try gradCheck([a]) { x in try x[0].index(idx) }
        let mask = try Tensor([true, false, true, true, false])
        try gradCheck([a]) { x in try x[0].index(mask) }
        let g = try Tensor([Int64(0), 2, 1, 1, 0, 2, 2, 0, 1, 1], shape: [5, 2])
        try gradCheck([a]) { x in try x[0].gather(dim: 1, index: g) }
        try gradCheck([a, input([5, 2], seed: 37)]) { x in try x[0].scatterAdd(dim: 1, index: g, src: x[1]) }
        let unique = try Tensor([Int64(2), 0, 1, 2, 0], shape: [5, 1])
        try gradCheck([a, input([5, 1], seed: 38)]) { x in try x[0].scatter(dim: 1, index: unique, src: x[1]) }
        try gradCheck([a, input([2, 3], seed: 39)]) { x in
            try x[0].indexAdd(dim: 0, index: try Tensor([Int64(1), 3]), src: x[1])
        }
        let m2 = try Tensor([true, false, false, true, true, false, false, false, true, true, false, true, false, true, false], shape: [5, 3])
        try gradCheck([a]) { x in try x[0].maskedFill(m2, 0.5) + x[0].maskedSelect(m2).sum() }
        try gradCheck([a, input([5, 3], seed: 40)]) { x in try Tensor.where(m2, x[0], x[1]) }
    }

    @Test func losses() throws {
        let logits = input([4, 5], seed: 41, scale: 3)
        let targets01 = input([4, 5], seed: 42, scale: 0.5, offset: 0.5)
        let weight = try Tensor(randomValues(20, seed: 43, scale: 0.5, offset: 1), shape: [4, 5])
        try gradCheck([logits, targets01]) { x in
            try Functional.binaryCrossEntropyWithLogits(x[0], x[1], weight: weight, reduction: .none)
        }
        try gradCheck([logits]) { x in
            try Functional.binaryCrossEntropyWithLogits(
                x[0], try Tensor(targets01.values, shape: [4, 5]), posWeight: try Tensor.full([5], 2, dtype: .float64))
        }
        let labels = try Tensor([Int64(1), 4, 0, 4])
        let classWeights = try Tensor([0.5, 1, 2, 1, 0.3])
        try gradCheck([logits]) { x in try Functional.crossEntropy(x[0], labels) }
        try gradCheck([logits]) { x in try Functional.crossEntropy(x[0], labels, weight: classWeights, reduction: .sum) }
        try gradCheck([logits]) { x in try Functional.crossEntropy(x[0], labels, reduction: .none, labelSmoothing: 0.1) }
        let soft = try Tensor(randomValues(20, seed: 44, scale: 0.5, offset: 0.5), shape: [4, 5])
        let softTargets = try soft / soft.sum(dim: 1, keepDim: true)
        try gradCheck([logits]) { x in try Functional.crossEntropy(x[0], softTargets, reduction: .none) }
        try gradCheck([logits]) { x in try Functional.nllLoss(x[0].logSoftmax(dim: 1), labels, weight: classWeights) }
        let a = input([3, 4], seed: 45, scale: 2)
        let b = input([3, 4], seed: 46, scale: 2)
        try gradCheck([a, b]) { x in try Functional.smoothL1Loss(x[0], x[1], beta: 1.0 / 9, reduction: .none) }
        try gradCheck([a, b]) { x in try Functional.l1Loss(x[0], x[1], reduction: .sum) }
        try gradCheck([a, b]) { x in try Functional.mseLoss(x[0], x[1]) }
    }

    @Test func modulesBackpropagateIntoTheirParameters() throws {
        let conv = try Conv2d(2, 3, kernelSize: 3, padding: 1)
        let linear = try Linear(3 * 4 * 4, 2)
        try conv.to(.cpu, dtype: .float64)
        try linear.to(.cpu, dtype: .float64)
        try gradCheck([input([2, 2, 4, 4], seed: 47), input([3, 2, 3, 3], seed: 48)]) { x in
            try withNoGrad { try conv.weight.copy_(x[1].detach()) }
            let y = try Functional.conv2d(x[0], weight: x[1], bias: conv.bias?.wrappedValue, padding: (1, 1)).relu()
            return try linear(y.flatten(startDim: 1))
        }
    }
}

@Suite("The gradient check itself")
struct GradCheckSelfTests {
    /// x.detach() * x has true derivative 2x but autograd sees only x: the checker must notice.
    @Test func detectsAWrongGradient() throws {
        withKnownIssue {
            try gradCheck([input([3], seed: 99, offset: 2)]) { x in try x[0].detach() * x[0] }
        }
    }
}
