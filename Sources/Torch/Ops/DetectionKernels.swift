import CTorch

/// The native detection kernels of CTorch (torchvision semantics). They compute in float32 (or float64) even
/// inside a mixed-precision forward pass, as torchvision's autocast wrappers of `roi_align` and `nms` do:
/// float16/bfloat16 inputs are cast up, autocast is off inside, and RoIAlign returns the input's type.
public enum DetectionOps {
    /// RoIAlign: pools `input` (N x C x H x W) inside each RoI (K x 5: batch index, x1, y1, x2, y2 in input
    /// image coordinates) to C x pooledH x pooledW. `spatialScale` maps image to feature coordinates;
    /// `samplingRatio` 0 = adaptive (ceil(roi size / pooled size)), as mmcv and torchvision.
    /// Differentiable with respect to `input`.
    public static func roiAlign(
        _ input: Tensor, rois: Tensor, spatialScale: Double, outputSize: (Int, Int), samplingRatio: Int = 0,
        aligned: Bool = true
    ) throws -> Tensor {
        let full = try input.fullPrecision()
        let pooled = try Autocast.disabled {
            try Tensor.make {
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
        StageProfiler.countHostRead()
        let (b, s) = (try boxes.fullPrecision(), try scores.fullPrecision())
        return try Autocast.disabled { try Tensor.make { ct_nms(b.handle, s.handle, iouThreshold, $0) } }
    }

    /// NMS within each class (torchvision's and mmdet's `batched_nms`): boxes of different classes never
    /// suppress each other. Each class is suppressed on its own, as their per-class loop for large inputs: a box
    /// is compared only with its own class's boxes (the coordinate-offset trick compares all pairs).
    public static func batchedNMS(boxes: Tensor, scores: Tensor, classes: Tensor, iouThreshold: Double) throws
        -> Tensor
    {
        StageProfiler.countHostRead()
        let (b, s) = (try boxes.fullPrecision(), try scores.fullPrecision())
        return try Autocast.disabled {
            try Tensor.make { ct_batched_nms(b.handle, s.handle, classes.handle, iouThreshold, $0) }
        }
    }
}
