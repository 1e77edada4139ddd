import Foundation
import Torch

// Pools each RoI from one pyramid level (mmdet `SingleRoIExtractor` with RoIAlign, aligned, sampling
// ratio 0). Input: P2..P5 (N x C x H_l x W_l) and RoIs K x 5 (batch index, x1, y1, x2, y2 in input pixels).
// Output: K x C x S x S. A RoI of scale sqrt(w * h) goes to level floor(log2(scale / 56 + 1e-6)),
// clamped to the available levels: ~224 px RoIs to P4, as in the FPN paper.
public struct MultiLevelRoIAlign: Sendable {
    public var strides: [Int]
    public var outputSize: Int
    public var finestScale: Double
    public var samplingRatio: Int

    public init(strides: [Int] = [4, 8, 16, 32], outputSize: Int, finestScale: Double = 56, samplingRatio: Int = 0) {
        self.strides = strides
        self.outputSize = outputSize
        self.finestScale = finestScale
        self.samplingRatio = samplingRatio
    }

    /// K int64 level indices (0 = finest) for RoIs K x 5.
    public func levels(rois: Tensor) throws -> Tensor {
        let scale = try ((rois.select(dim: 1, index: 3) - rois.select(dim: 1, index: 1))
            * (rois.select(dim: 1, index: 4) - rois.select(dim: 1, index: 2))).sqrt()
        return try (scale / finestScale + 1e-6).log2().floor().clamp(min: 0, max: Double(strides.count - 1)).to(.int64)
    }

    public func callAsFunction(_ features: [Tensor], rois: Tensor) throws -> Tensor {
        let k = rois.size(0)
        let channels = features[0].size(1)
        if k == 0 {
            return try Tensor.zeros([0, channels, outputSize, outputSize], dtype: features[0].dtype, device: features[0].device)
        }
        let levels = try levels(rois: rois)
        var pooled: [Tensor] = []
        var order: [Tensor] = []
        for (level, stride) in strides.enumerated() {
            let indices = try levels.eq(Double(level)).nonzero().reshape(-1)
            if indices.size(0) == 0 { continue }
            pooled.append(
                try DetectionOps.roiAlign(
                    features[level], rois: rois.index(indices), spatialScale: 1 / Double(stride),
                    outputSize: (outputSize, outputSize), samplingRatio: samplingRatio, aligned: true))
            order.append(indices)
        }
        // Rows come out grouped by level; put them back in RoI order.
        let inverse = try Tensor.cat(order).argsort(dim: 0)
        return try Tensor.cat(pooled).indexSelect(dim: 0, index: inverse)
    }
}

/// RoIs K x 5 (batch index, box) from per-image boxes.
public func makeRoIs(_ boxesPerImage: [Tensor]) throws -> Tensor {
    let parts = try boxesPerImage.enumerated().map { i, boxes in
        try Tensor.cat([Tensor.full([boxes.size(0), 1], Double(i), dtype: boxes.dtype, device: boxes.device), boxes], dim: 1)
    }
    return try Tensor.cat(parts)
}
