import CTorch
import Foundation

/// The detection kernels (torchvision semantics): CPU tensors run LTDet's own kernels (CTorch/kernels.cpp),
/// tensors on a CUDA device torchvision's, through the dispatcher (`TorchVisionOperators`). Where torchvision's
/// operators cannot be loaded, device tensors take a round trip through the CPU kernels (the same results,
/// slower; said once on standard error).
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
        if input.device != .cpu {
            if deviceKernelsAvailable() {
                return try TorchVisionOperators.roiAlign(
                    input, rois: rois, spatialScale: spatialScale, outputSize: outputSize, samplingRatio: samplingRatio,
                    aligned: aligned)
            }
            // The copies are differentiable: the gradient comes back through the CPU kernel's backward.
            return try roiAlign(
                input.to(.cpu), rois: rois.to(.cpu), spatialScale: spatialScale, outputSize: outputSize,
                samplingRatio: samplingRatio, aligned: aligned
            ).to(input.device)
        }
        return try .make {
            ct_roi_align(
                input.handle, rois.handle, spatialScale, Int64(outputSize.0), Int64(outputSize.1),
                Int64(samplingRatio), aligned ? 1 : 0, $0)
        }
    }

    /// Greedy non-maximum suppression over boxes (N x 4, x1 y1 x2 y2): indices kept, by descending score
    /// (equal scores keep input order). A box is suppressed when its IoU with a kept box exceeds the threshold.
    public static func nms(boxes: Tensor, scores: Tensor, iouThreshold: Double) throws -> Tensor {
        if boxes.device != .cpu, deviceKernelsAvailable() {
            return try TorchVisionOperators.nms(boxes: boxes, scores: scores, iouThreshold: iouThreshold)
        }
        return try .make { ct_nms(boxes.handle, scores.handle, iouThreshold, $0) }
    }

    /// NMS within each class (torchvision `batched_nms`): boxes of different classes never suppress each other.
    /// Implemented with the coordinate-offset trick: each class is moved to its own region of the plane. The
    /// offset stays a tensor (as torchvision's), so that boxes on a device are not read by the host.
    public static func batchedNMS(boxes: Tensor, scores: Tensor, classes: Tensor, iouThreshold: Double) throws
        -> Tensor
    {
        if boxes.size(0) == 0 { return try Tensor.zeros([0], dtype: .int64, device: boxes.device) }
        let stride = try boxes.max() + 1.0
        let offsets = try classes.to(boxes.dtype) * stride
        let shifted = try boxes + offsets.unsqueeze(dim: 1)
        return try nms(boxes: shifted, scores: scores, iouThreshold: iouThreshold)
    }
}
