import CTorch

/// How a loss reduces its per-element values, numbered as at::Reduction.
public enum Reduction: Int32, Sendable {
    case none = 0, mean = 1, sum = 2
}

/// Interpolation modes of `Tensor.interpolate`.
public enum InterpolationMode: Int32, Sendable {
    case nearest = 0, bilinear = 1
}

/// The neural-network functions of torch.nn.functional that a detector needs. Images are NCHW.
public enum Functional {
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try .make { ct_linear(x.handle, weight.handle, bias?.handle, $0) }
    }

    public static func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) throws -> Tensor {
        let s = [Int64(stride.0), Int64(stride.1)]
        let p = [Int64(padding.0), Int64(padding.1)]
        let d = [Int64(dilation.0), Int64(dilation.1)]
        return try .make { ct_conv2d(x.handle, weight.handle, bias?.handle, s, p, d, Int64(groups), $0) }
    }

    public static func convTranspose2d(
        _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), groups: Int = 1,
        dilation: (Int, Int) = (1, 1)
    ) throws -> Tensor {
        let s = [Int64(stride.0), Int64(stride.1)]
        let p = [Int64(padding.0), Int64(padding.1)]
        let o = [Int64(outputPadding.0), Int64(outputPadding.1)]
        let d = [Int64(dilation.0), Int64(dilation.1)]
        return try .make {
            ct_conv_transpose2d(x.handle, weight.handle, bias?.handle, s, p, o, Int64(groups), d, $0)
        }
    }

    /// Batch normalisation; in training it uses batch statistics and updates the running ones in place.
    public static func batchNorm(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
        training: Bool, momentum: Double = 0.1, eps: Double = 1e-5
    ) throws -> Tensor {
        try .make {
            ct_batch_norm(
                x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                training ? 1 : 0, momentum, eps, $0)
        }
    }

    /// In float32 when `x` is float16/bfloat16 and the weights are not (a mixed-precision forward pass), as CUDA
    /// autocast runs group_norm; CPU autocast of libtorch 1.13 leaves it to fail on the mixed types.
    public static func groupNorm(
        _ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5
    ) throws -> Tensor {
        let input = try normalizationInput(x, weight: weight)
        return try .make { ct_group_norm(input.handle, Int64(groups), weight?.handle, bias?.handle, eps, $0) }
    }

    /// In float32 when `x` is float16/bfloat16 and the weights are not, as `groupNorm`.
    public static func layerNorm(
        _ x: Tensor, normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Double = 1e-5
    ) throws -> Tensor {
        let input = try normalizationInput(x, weight: weight)
        return try withDims(normalizedShape) { d, n in
            try .make { ct_layer_norm(input.handle, d, n, weight?.handle, bias?.handle, eps, $0) }
        }
    }

    private static func normalizationInput(_ x: Tensor, weight: Tensor?) throws -> Tensor {
        guard let weight, weight.dtype != x.dtype else { return x }
        return try x.fullPrecision()
    }

    public static func maxPool2d(
        _ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
    ) throws -> Tensor {
        let k = [Int64(kernel.0), Int64(kernel.1)]
        let st = stride ?? kernel
        let s = [Int64(st.0), Int64(st.1)]
        let p = [Int64(padding.0), Int64(padding.1)]
        let d = [Int64(dilation.0), Int64(dilation.1)]
        return try .make { ct_max_pool2d(x.handle, k, s, p, d, ceilMode ? 1 : 0, $0) }
    }

    public static func avgPool2d(
        _ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)
    ) throws -> Tensor {
        let k = [Int64(kernel.0), Int64(kernel.1)]
        let st = stride ?? kernel
        let s = [Int64(st.0), Int64(st.1)]
        let p = [Int64(padding.0), Int64(padding.1)]
        return try .make { ct_avg_pool2d(x.handle, k, s, p, $0) }
    }

    public static func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
        let o = [Int64(outputSize.0), Int64(outputSize.1)]
        return try .make { ct_adaptive_avg_pool2d(x.handle, o, $0) }
    }

    /// Resizes the last two dimensions to `size` (height, width).
    public static func interpolate(
        _ x: Tensor, size: (Int, Int), mode: InterpolationMode, alignCorners: Bool = false
    ) throws -> Tensor {
        let s = [Int64(size.0), Int64(size.1)]
        return try .make { ct_interpolate(x.handle, s, nil, mode.rawValue, alignCorners ? 1 : 0, $0) }
    }

    /// Resizes the last two dimensions by `scale` (as F.interpolate(scale_factor=...)).
    public static func interpolate(
        _ x: Tensor, scale: Double, mode: InterpolationMode, alignCorners: Bool = false
    ) throws -> Tensor {
        let f = [scale, scale]
        return try .make { ct_interpolate(x.handle, nil, f, mode.rawValue, alignCorners ? 1 : 0, $0) }
    }

    public static func softmax(_ x: Tensor, dim: Int) throws -> Tensor { try .make { ct_softmax(x.handle, Int64(dim), $0) } }

    public static func logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor {
        try .make { ct_log_softmax(x.handle, Int64(dim), $0) }
    }

    public static func dropout(_ x: Tensor, p: Double, training: Bool) throws -> Tensor {
        try .make { ct_dropout(x.handle, p, training ? 1 : 0, $0) }
    }

    // MARK: losses

    public static func binaryCrossEntropyWithLogits(
        _ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
        reduction: Reduction = .mean
    ) throws -> Tensor {
        try .make {
            ct_bce_with_logits(logits.handle, target.handle, weight?.handle, posWeight?.handle, reduction.rawValue, $0)
        }
    }

    /// Cross-entropy over dimension 1. `target` holds class indices (int64) or class probabilities
    /// (the shape of `logits`, "soft targets").
    public static func crossEntropy(
        _ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
        ignoreIndex: Int = -100, labelSmoothing: Double = 0
    ) throws -> Tensor {
        try .make {
            ct_cross_entropy(
                logits.handle, target.handle, weight?.handle, reduction.rawValue, Int64(ignoreIndex), labelSmoothing,
                $0)
        }
    }

    public static func nllLoss(
        _ logProbs: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
        ignoreIndex: Int = -100
    ) throws -> Tensor {
        try .make {
            ct_nll_loss(logProbs.handle, target.handle, weight?.handle, reduction.rawValue, Int64(ignoreIndex), $0)
        }
    }

    public static func smoothL1Loss(
        _ x: Tensor, _ target: Tensor, beta: Double = 1, reduction: Reduction = .mean
    ) throws -> Tensor {
        try .make { ct_smooth_l1_loss(x.handle, target.handle, reduction.rawValue, beta, $0) }
    }

    public static func l1Loss(_ x: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try .make { ct_l1_loss(x.handle, target.handle, reduction.rawValue, $0) }
    }

    public static func mseLoss(_ x: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try .make { ct_mse_loss(x.handle, target.handle, reduction.rawValue, $0) }
    }
}

extension Tensor {
    public func matmul(_ other: Tensor) throws -> Tensor { try .make { ct_matmul(handle, other.handle, $0) } }
    public func softmax(dim: Int) throws -> Tensor { try Functional.softmax(self, dim: dim) }
    public func logSoftmax(dim: Int) throws -> Tensor { try Functional.logSoftmax(self, dim: dim) }
}
