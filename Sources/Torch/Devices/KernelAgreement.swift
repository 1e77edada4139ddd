/// How closely the detection kernels on a device agree with LTDet's CPU kernels on the same random inputs
/// (`ltdet dev device-check`, scripts/gpu-check, Tests/TorchTests/DeviceTests). On `.cpu` the candidate is
/// torchvision's CPU kernels through the dispatcher: the route CUDA tensors take, checkable without a GPU.
public struct KernelAgreement: Sendable {
    /// Largest absolute difference of RoIAlign outputs (float64 inputs), over aligned/unaligned and
    /// sampling ratios 0 and 2.
    public var roiAlignMaxDifference = 0.0
    /// Largest absolute difference of RoIAlign input gradients for the same random output gradient.
    public var roiAlignGradientMaxDifference = 0.0
    /// NMS and batched NMS keep the same boxes in the same order.
    public var nmsIdentical = true
    public var batchedNMSIdentical = true
    /// The number of boxes each NMS kept (a test that keeps nothing proves nothing).
    public var nmsKept = 0

    /// Compares on `device` (torchvision's operators must be loadable) with a seeded generator.
    public static func measure(device: Device, seed: UInt64 = 0) throws -> KernelAgreement {
        let g = try Generator(seed: seed)
        var result = KernelAgreement()
        // Feature maps of two images and RoIs that start outside them, cross their borders and are tiny.
        let input = try Tensor.randn([2, 4, 20, 24], dtype: .float64, generator: g)
        let k = 60
        let corner = try Tensor.rand([k, 2], dtype: .float64, generator: g) * 50.0 - 4.0
        let size = try Tensor.rand([k, 2], dtype: .float64, generator: g) * 30.0 + 0.2
        let batch = try Tensor.randint(0, 2, [k, 1], generator: g).to(.float64)
        let rois = try Tensor.cat([batch, corner, corner + size], dim: 1)
        let upstream = try Tensor.randn([k, 4, 7, 7], dtype: .float64, generator: g)
        for aligned in [true, false] {
            for ratio in [0, 2] {
                func run(_ x: Tensor, _ r: Tensor, viaTorchVision: Bool) throws -> (Tensor, Tensor) {
                    let leaf = try x.detach().requiresGrad(true)
                    let out = viaTorchVision
                        ? try TorchVisionOperators.roiAlign(
                            leaf, rois: r, spatialScale: 0.5, outputSize: (7, 7), samplingRatio: ratio, aligned: aligned)
                        : try DetectionOps.roiAlign(
                            leaf, rois: r, spatialScale: 0.5, outputSize: (7, 7), samplingRatio: ratio, aligned: aligned)
                    try (out * upstream.to(x.device)).sum().backward()
                    return (try out.detach().to(.cpu), try leaf.grad!.to(.cpu))
                }
                let (refOut, refGrad) = try run(input, rois, viaTorchVision: false)
                let (out, grad) = try run(
                    input.to(device), rois.to(device), viaTorchVision: device == .cpu)
                result.roiAlignMaxDifference = max(result.roiAlignMaxDifference, try (out - refOut).abs().max().item())
                result.roiAlignGradientMaxDifference = max(
                    result.roiAlignGradientMaxDifference, try (grad - refGrad).abs().max().item())
            }
        }
        // Boxes in float32 (the detector's dtype) with distinct scores, so that the order is defined.
        let n = 300
        let xy = try Tensor.rand([n, 2], generator: g) * 200.0
        let wh = try Tensor.rand([n, 2], generator: g) * 60.0 + 1.0
        let boxes = try Tensor.cat([xy, xy + wh], dim: 1)
        let scores = try Tensor.rand([n], generator: g)
        let classes = try Tensor.randint(0, 5, [n], generator: g)
        let refKeep = try DetectionOps.nms(boxes: boxes, scores: scores, iouThreshold: 0.5).toArray(Int64.self)
        let keep = try (device == .cpu
            ? TorchVisionOperators.nms(boxes: boxes, scores: scores, iouThreshold: 0.5)
            : DetectionOps.nms(boxes: boxes.to(device), scores: scores.to(device), iouThreshold: 0.5)).toArray(Int64.self)
        result.nmsIdentical = keep == refKeep
        result.nmsKept = refKeep.count
        let refBatched = try DetectionOps.batchedNMS(boxes: boxes, scores: scores, classes: classes, iouThreshold: 0.5)
            .toArray(Int64.self)
        let batched: [Int64]
        if device == .cpu {
            // batchedNMS's offset trick, then torchvision's NMS on the shifted boxes.
            let shifted = try boxes + (classes.to(.float32) * (boxes.max() + 1.0)).unsqueeze(dim: 1)
            batched = try TorchVisionOperators.nms(boxes: shifted, scores: scores, iouThreshold: 0.5).toArray(Int64.self)
        } else {
            batched = try DetectionOps.batchedNMS(
                boxes: boxes.to(device), scores: scores.to(device), classes: classes.to(device), iouThreshold: 0.5
            ).toArray(Int64.self)
        }
        result.batchedNMSIdentical = batched == refBatched
        return result
    }
}
