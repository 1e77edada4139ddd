import Torch

// Mask head (mmdet `FCNMaskHead`): RoI features P x C x 14 x 14 -> `numConvs` 3x3 conv + ReLU -> 2x2
// stride-2 deconv + ReLU -> 1x1 conv to one 28 x 28 logit map per class. Trained with per-pixel sigmoid BCE
// on the map of each positive RoI's class, averaged over pixels and RoIs, against the ground-truth mask
// RoIAligned into the RoI at 28 x 28 and thresholded at 0.5 (mmdet `mask_target`). The logits layer is a plain
// 1x1 conv or, with `predictor_cfg: {type: NormedConv2d}`, Seesaw's normalised "normed mask" predictor.
public final class FCNMaskHead: Module {
    public let convs: [ConvModule]
    public let upsample: ConvTranspose2d
    public let convLogits: any UnaryLayer
    public let numClasses: Int

    public init(
        inChannels: Int, numConvs: Int, convOutChannels: Int, numClasses: Int,
        predictor: MaskRCNNConfig.PredictorConfig? = nil
    ) throws {
        convs = try (0..<numConvs).map {
            try ConvModule($0 == 0 ? inChannels : convOutChannels, convOutChannels, kernelSize: 3, padding: 1, activation: true)
        }
        let width = numConvs > 0 ? convOutChannels : inChannels
        upsample = try ConvTranspose2d(width, convOutChannels, kernelSize: 2, stride: 2)
        switch predictor?.type ?? "Conv2d" {
        case "Conv2d":
            convLogits = try Conv2d(convOutChannels, numClasses, kernelSize: 1)
        case "NormedConv2d":
            convLogits = try NormedConv2d(convOutChannels, numClasses, temperature: predictor!.resolvedTemperature)
        case let other:
            throw TorchError("model.roi_head.mask_head.predictor_cfg.type: unknown layer '\(other)' (Conv2d or NormedConv2d)")
        }
        self.numClasses = numClasses
        super.init()
        // mmdet: deconv and plain logits conv Kaiming normal (fan-out), bias 0 (NormedConv2d initialises itself
        // the same way when built).
        try Init.kaimingNormal(upsample.weight, fanOutMode: true)
        if let b = upsample.bias { try Init.constant(b.wrappedValue, 0) }
        if let conv = convLogits as? Conv2d {
            try Init.kaimingNormal(conv.weight, fanOutMode: true)
            if let b = conv.bias { try Init.constant(b.wrappedValue, 0) }
        }
    }

    /// P x C x 28 x 28 mask logits.
    public func callAsFunction(_ roiFeatures: Tensor) throws -> Tensor {
        var x = roiFeatures
        for conv in convs { x = try conv(x) }
        return try convLogits(upsample(x).relu_())
    }

    /// Binary targets P x S x S: the ground-truth masks (M x H x W) of each positive's assigned ground truth
    /// `gtIndices`, cut out along the positive boxes (P x 4).
    public static func targets(positiveBoxes: Tensor, gtIndices: Tensor, gtMasks: Tensor, size: Int) throws -> Tensor {
        let device = positiveBoxes.device
        if positiveBoxes.size(0) == 0 { return try Tensor.zeros([0, size, size], device: device) }
        let masks = try gtMasks.to(.float32, device).unsqueeze(dim: 1)
        let rois = try Tensor.cat([gtIndices.to(.float32).unsqueeze(dim: 1), positiveBoxes], dim: 1)
        let pooled = try DetectionOps.roiAlign(
            masks, rois: rois, spatialScale: 1, outputSize: (size, size), samplingRatio: 0, aligned: true)
        return try pooled.squeeze(dim: 1).ge(0.5).to(.float32)
    }

    /// `loss_mask`: BCE with logits on each RoI's class channel (`labels`, P int64), mean over all pixels; in
    /// float32 under mixed precision (mmdet's `@force_fp32` on `FCNMaskHead.loss`).
    public func loss(logits: Tensor, targets: Tensor, labels: Tensor) throws -> Tensor {
        try Autocast.disabled { try fullPrecisionLoss(logits: logits.fullPrecision(), targets: targets, labels: labels) }
    }

    private func fullPrecisionLoss(logits: Tensor, targets: Tensor, labels: Tensor) throws -> Tensor {
        let p = logits.size(0)
        if p == 0 { return try logits.sum() * 0 }
        let rows = try Tensor.arange(p, device: logits.device) * Tensor(scalar: Double(numClasses), dtype: .int64)
            + labels
        let chosen = try logits.reshape(p * numClasses, logits.size(2), logits.size(3)).index(rows)
        return try Functional.binaryCrossEntropyWithLogits(chosen, targets, reduction: .mean)
    }
}
