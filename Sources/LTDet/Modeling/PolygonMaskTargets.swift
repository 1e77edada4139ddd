import Torch

/// Mask targets from outlines, as mmdet 2.x makes them from `PolygonMasks` (`LoadAnnotations(poly2mask=False)`,
/// which eqlv2's LVIS configs use): `mask_target_single` clips each positive box to the image, then
/// `PolygonMasks.crop_and_resize` moves the assigned instance's outlines into the box's frame and scales them by
/// size / box side (the side at least 1 px), and `to_ndarray` rasterises them at size x size with pycocotools'
/// rules (`frPyObjects`, `merge`, `decode`). The arithmetic follows mmdet's dtypes under NumPy 1.x: boxes and
/// their clipped corners and sides in float32, the side widened to float64 by `np.maximum(side, 1)`, the scale
/// and the coordinates in float64, so the rasterised pixels are mmdet's (scripts/reference/check_masks.sh).
public enum PolygonMaskTargets {
    /// P x size x size float targets (0 or 1) on the boxes' device; `outlines[g]` are ground truth g's outlines in
    /// input pixels, `gtIndices` (P) the ground truth of each positive box (P x 4, x1 y1 x2 y2).
    public static func targets(
        positiveBoxes: Tensor, gtIndices: Tensor, outlines: [[[Point2D]]], imageWidth: Int, imageHeight: Int, size: Int
    ) throws -> Tensor {
        let device = positiveBoxes.device
        let count = positiveBoxes.size(0)
        if count == 0 { return try Tensor.zeros([0, size, size], device: device) }
        let boxes = try positiveBoxes.toArray(Float.self)
        let indices = try gtIndices.toArray(Int64.self)
        var values = [Float](repeating: 0, count: count * size * size)
        for i in 0..<count {
            let mask = rasterize(
                outlines[Int(indices[i])], box: Array(boxes[4 * i ..< 4 * i + 4]),
                imageWidth: imageWidth, imageHeight: imageHeight, size: size)
            for (j, v) in mask.values.enumerated() where v != 0 { values[i * size * size + j] = 1 }
        }
        return try Tensor(values, shape: [count, size, size]).to(device)
    }

    /// One target: `parts` cut out along `box` (x1 y1 x2 y2, clipped to the image) and rasterised at size x size.
    static func rasterize(_ parts: [[Point2D]], box: [Float], imageWidth: Int, imageHeight: Int, size: Int) -> BinaryMask {
        let x1 = min(max(box[0], 0), Float(imageWidth)), x2 = min(max(box[2], 0), Float(imageWidth))
        let y1 = min(max(box[1], 0), Float(imageHeight)), y2 = min(max(box[3], 0), Float(imageHeight))
        let width = max(Double(x2 - x1), 1), height = max(Double(y2 - y1), 1)
        let scaleX = Double(size) / max(width, 0.1), scaleY = Double(size) / max(height, 0.1)
        let moved = parts.map { $0.map { Point2D(($0.x - Double(x1)) * scaleX, ($0.y - Double(y1)) * scaleY) } }
        return PolygonRasterizer.rasterize(moved, width: size, height: size)
    }
}
