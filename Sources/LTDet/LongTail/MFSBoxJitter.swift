import Torch

/// LOCE's box generator for its feature memory (fcjian/LOCE `MFS.bbox_generator`): around each ground-truth
/// box (x1, y1, x2, y2; width w, height h), 16 boxes whose corners move by s * u * (w or h) / 6, one box per
/// sign pattern s of (x1, y1, x2, y2), clamped to the image. The features of these boxes stand for the object
/// in the memory: close enough to be the object, varied enough not to repeat one RoI 16 times.
///
/// The uniform draws u are one 4 x 16 matrix per image (row = coordinate, column = pattern), shared by all
/// ground-truth boxes of that image, as LOCE draws `torch.rand(4, 16)` once per image and broadcasts it.
public enum MFSBoxJitter {
    /// Boxes made per ground-truth box: every sign pattern of the four coordinates.
    public static let boxesPerObject = 16

    /// 4 x 16 signs: column j moves x1 by the sign of bit 3 of j, y1 by bit 2, x2 by bit 1, y2 by bit 0
    /// (0 -> -1, 1 -> +1): LOCE's offset matrix, whose row for x1 is eight -1 then eight +1, and so on down
    /// to alternating signs for y2.
    public static func signs(dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let values = (0..<4).flatMap { coordinate in
            (0..<boxesPerObject).map { j in (j >> (3 - coordinate)) & 1 == 1 ? 1.0 : -1.0 }
        }
        return try Tensor(values, shape: [4, boxesPerObject]).to(dtype, device)
    }

    /// M x 4 ground-truth boxes -> (M * 16) x 4 jittered boxes, object by object, pattern by pattern.
    /// `uniforms` is the image's 4 x 16 draw in [0, 1); x is clamped to [0, width - 1], y to [0, height - 1]
    /// (the resized image before padding), as LOCE clamps to `img_shape - 1`.
    public static func jitter(boxes: Tensor, uniforms: Tensor, width: Int, height: Int) throws -> Tensor {
        guard boxes.rank == 2, boxes.size(1) == 4 else {
            throw TorchError("MFSBoxJitter: boxes have shape \(boxes.shape), expected M x 4")
        }
        guard uniforms.shape == [4, boxesPerObject] else {
            throw TorchError("MFSBoxJitter: uniform draws have shape \(uniforms.shape), expected [4, \(boxesPerObject)]")
        }
        let m = boxes.size(0)
        let w = try boxes.select(dim: 1, index: 2) - boxes.select(dim: 1, index: 0)
        let h = try boxes.select(dim: 1, index: 3) - boxes.select(dim: 1, index: 1)
        let sizes = try Tensor.stack([w, h, w, h], dim: 1).unsqueeze(dim: 2)  // M x 4 x 1
        let steps = try signs(dtype: boxes.dtype, device: boxes.device) * uniforms.to(boxes.dtype, boxes.device)
        let offsets = try steps.unsqueeze(dim: 0) * sizes / 6
        let moved = try (boxes.unsqueeze(dim: 2) + offsets).permute([0, 2, 1])  // M x 16 x 4
        let low = try Tensor.zeros([4], dtype: boxes.dtype, device: boxes.device)
        let high = try Tensor([Double(width - 1), Double(height - 1), Double(width - 1), Double(height - 1)])
            .to(boxes.dtype, boxes.device)
        return try moved.clamp(min: low, max: high).reshape(m * boxesPerObject, 4)
    }
}
