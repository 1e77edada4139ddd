import CTorch
import Foundation

/// The detection kernels (torchvision semantics): CPU tensors run LTDet's own kernels (CTorch/kernels.cpp),
/// tensors on a CUDA device torchvision's, through the dispatcher (`TorchVisionOperators`). Where torchvision's
/// operators cannot be loaded, device tensors take a round trip through the CPU kernels (the same results,
/// slower; said once on standard error).
///
/// They compute in float32 (or float64) even inside a mixed-precision forward pass, as torchvision's autocast
/// wrappers of `roi_align` and `nms` do: float16/bfloat16 inputs are cast up, autocast is off inside, and RoIAlign
/// returns the input's type.
public enum DetectionOps {
    /// Whether device tensors use torchvision's kernels; on the first `false`, says why on standard error.
    private static func deviceKernelsAvailable() -> Bool {
        if TorchVisionOperators.isLoaded { return true }
        _ = fallbackNotice
        return false
    }

    private static let fallbackNotice: Void = {
        if case .unavailable(let reason) = TorchVisionOperators.load() {
            FileHandle.standardError.write(Data(
                "warning: RoIAlign and NMS of device tensors run on the CPU (a copy each way): \(reason)\n".utf8))
        }
    }()

    /// RoIAlign: pools `input` (N x C x H x W) inside each RoI (K x 5: batch index, x1, y1, x2, y2 in input
    /// image coordinates) to C x pooledH x pooledW. `spatialScale` maps image to feature coordinates;
    /// `samplingRatio` 0 = adaptive (ceil(roi size / pooled size)), as mmcv and torchvision.
    /// Differentiable with respect to `input`.
    public static func roiAlign(
        _ input: Tensor, rois: Tensor, spatialScale: Double, outputSize: (Int, Int), samplingRatio: Int = 0,
        aligned: Bool = true
    ) throws -> Tensor {
        let full = try input.fullPrecision()
        let pooled = try Autocast.disabled { () throws -> Tensor in
            if full.device != .cpu {
                if deviceKernelsAvailable() {
                    return try TorchVisionOperators.roiAlign(
                        full, rois: rois, spatialScale: spatialScale, outputSize: outputSize, samplingRatio: samplingRatio,
                        aligned: aligned)
                }
                // The copies are differentiable: the gradient comes back through the CPU kernel's backward.
                return try roiAlign(
                    full.to(.cpu), rois: rois.to(.cpu), spatialScale: spatialScale, outputSize: outputSize,
                    samplingRatio: samplingRatio, aligned: aligned
                ).to(full.device)
            }
            return try Tensor.make {
                ct_roi_align(
                    full.handle, rois.handle, spatialScale, Int64(outputSize.0), Int64(outputSize.1),
                    Int64(samplingRatio), aligned ? 1 : 0, $0)
            }
        }
        return try pooled.to(input.dtype)
    }

    /// Greedy non-maximum suppression over boxes (N x 4, x1 y1 x2 y2): indices kept, by descending score
    /// (equal scores keep input order). A box is suppressed when its IoU with a kept box exceeds the threshold.
    public static func nms(boxes: Tensor, scores: Tensor, iouThreshold: Double) throws -> Tensor {
        let (b, s) = (try boxes.fullPrecision(), try scores.fullPrecision())
        if b.device != .cpu, deviceKernelsAvailable() {
            return try Autocast.disabled { try TorchVisionOperators.nms(boxes: b, scores: s, iouThreshold: iouThreshold) }
        }
        return try Autocast.disabled { try Tensor.make { ct_nms(b.handle, s.handle, iouThreshold, $0) } }
    }

    /// NMS within each class (torchvision's and mmdet's `batched_nms`): boxes of different classes never
    /// suppress each other. On the CPU each class is suppressed on its own, as their per-class loop for large
    /// inputs: a box is compared only with its own class's boxes. On a device, torchvision's coordinate-offset
    /// trick (each class moved to its own region of the plane), whose offset stays a tensor so that boxes on a
    /// device are not read by the host.
    public static func batchedNMS(boxes: Tensor, scores: Tensor, classes: Tensor, iouThreshold: Double) throws
        -> Tensor
    {
        if boxes.device != .cpu {
            if boxes.size(0) == 0 { return try Tensor.zeros([0], dtype: .int64, device: boxes.device) }
            let full = try boxes.fullPrecision()
            let stride = try full.max() + 1.0
            let offsets = try classes.to(full.dtype) * stride
            return try nms(boxes: full + offsets.unsqueeze(dim: 1), scores: scores, iouThreshold: iouThreshold)
        }
        let (b, s) = (try boxes.fullPrecision(), try scores.fullPrecision())
        return try Autocast.disabled {
            try Tensor.make { ct_batched_nms(b.handle, s.handle, classes.handle, iouThreshold, $0) }
        }
    }
}
