import Torch

/// Axis-aligned boxes as a K x 4 float tensor (x1, y1, x2, y2) in pixels. Widths are x2 - x1 without the
/// "+1" of old Detectron, as mmdet 2.x and torchvision.
public struct Boxes {
    public var tensor: Tensor

    public init(_ tensor: Tensor) { self.tensor = tensor }

    public var count: Int { tensor.size(0) }

    public func widths() throws -> Tensor { try tensor.select(dim: 1, index: 2) - tensor.select(dim: 1, index: 0) }
    public func heights() throws -> Tensor { try tensor.select(dim: 1, index: 3) - tensor.select(dim: 1, index: 1) }
    public func area() throws -> Tensor { try widths() * heights() }

    /// Boxes clamped into an image of `height` x `width` pixels.
    public func clipped(height: Int, width: Int) throws -> Boxes {
        let x = try tensor.select(dim: 1, index: 0).clamp(min: 0, max: Double(width))
        let y = try tensor.select(dim: 1, index: 1).clamp(min: 0, max: Double(height))
        let x2 = try tensor.select(dim: 1, index: 2).clamp(min: 0, max: Double(width))
        let y2 = try tensor.select(dim: 1, index: 3).clamp(min: 0, max: Double(height))
        return Boxes(try Tensor.stack([x, y, x2, y2], dim: 1))
    }

    /// Boxes with x coordinates multiplied by `x` and y coordinates by `y`.
    public func scaled(x: Double, y: Double) throws -> Boxes {
        // Rounded once, to the boxes' own precision (float64 boxes keep float64 factors).
        let factors = try Tensor([x, y, x, y]).to(tensor.dtype, tensor.device)
        return Boxes(try tensor * factors)
    }

    /// Boxes mirrored in an image of width `width` (horizontal flip).
    public func flippedHorizontally(width: Int) throws -> Boxes {
        let w = Double(width)
        let x1 = try w - tensor.select(dim: 1, index: 2)
        let x2 = try w - tensor.select(dim: 1, index: 0)
        return Boxes(try Tensor.stack([x1, tensor.select(dim: 1, index: 1), x2, tensor.select(dim: 1, index: 3)], dim: 1))
    }

    /// Pairwise IoU, A x B (mmdet `bbox_overlaps`: union clamped to 1e-6 so empty boxes give 0).
    public static func iou(_ a: Boxes, _ b: Boxes) throws -> Tensor {
        let lt = try a.tensor.slice(dim: 1, end: 2).unsqueeze(dim: 1).maximum(b.tensor.slice(dim: 1, end: 2).unsqueeze(dim: 0))
        let rb = try a.tensor.slice(dim: 1, start: 2).unsqueeze(dim: 1).minimum(b.tensor.slice(dim: 1, start: 2).unsqueeze(dim: 0))
        let wh = try (rb - lt).clamp(min: 0)
        let overlap = try wh.select(dim: 2, index: 0) * wh.select(dim: 2, index: 1)
        let union = try a.area().unsqueeze(dim: 1) + b.area().unsqueeze(dim: 0) - overlap
        return try overlap / union.clamp(min: 1e-6)
    }
}
