import Foundation
import Torch

// Box regression targets as centre/size deltas (mmdet `DeltaXYWHBBoxCoder`, means 0):
// d = ((gx - px) / pw, (gy - py) / ph, log(gw / pw), log(gh / ph)) / stds.
public struct DeltaXYWHBoxCoder: Sendable {
    public var stds: [Double]
    /// Largest decoded size change, as a ratio: log-size deltas are clamped to |log(whRatioClip)|.
    public var whRatioClip: Double

    public init(stds: [Double] = [1, 1, 1, 1], whRatioClip: Double = 16.0 / 1000.0) {
        self.stds = stds
        self.whRatioClip = whRatioClip
    }

    private func stdTensor(like t: Tensor) throws -> Tensor {
        try Tensor(stds.map { Float($0) }).to(t.dtype, t.device)
    }

    /// Deltas (N x 4) that turn `proposals` into `targets` (both N x 4).
    public func encode(proposals: Tensor, targets: Tensor) throws -> Tensor {
        let (px, py, pw, ph) = try centreSize(proposals)
        let (gx, gy, gw, gh) = try centreSize(targets)
        let d = try Tensor.stack([(gx - px) / pw, (gy - py) / ph, (gw / pw).log(), (gh / ph).log()], dim: 1)
        return try d / stdTensor(like: d)
    }

    /// Boxes from `boxes` (N x 4) and deltas (N x 4k, k boxes per row, e.g. one per class): N x 4k,
    /// clamped to `maxShape` (height, width) when given.
    public func decode(boxes: Tensor, deltas: Tensor, maxShape: (height: Int, width: Int)? = nil) throws -> Tensor {
        let n = deltas.size(0)
        let d = try deltas.reshape(n, deltas.size(1) / 4, 4) * stdTensor(like: deltas)
        let (px, py, pw, ph) = try centreSize(boxes)
        let limit = abs(Foundation.log(whRatioClip))
        let dx = try d.select(dim: 2, index: 0)
        let dy = try d.select(dim: 2, index: 1)
        let dw = try d.select(dim: 2, index: 2).clamp(min: -limit, max: limit)
        let dh = try d.select(dim: 2, index: 3).clamp(min: -limit, max: limit)
        let (pxc, pyc, pwc, phc) = try (px.unsqueeze(dim: 1), py.unsqueeze(dim: 1), pw.unsqueeze(dim: 1), ph.unsqueeze(dim: 1))
        let gx = try pxc + pwc * dx
        let gy = try pyc + phc * dy
        let gw = try pwc * dw.exp()
        let gh = try phc * dh.exp()
        var x1 = try gx - gw * 0.5
        var y1 = try gy - gh * 0.5
        var x2 = try gx + gw * 0.5
        var y2 = try gy + gh * 0.5
        if let (h, w) = maxShape {
            x1 = try x1.clamp(min: 0, max: Double(w))
            x2 = try x2.clamp(min: 0, max: Double(w))
            y1 = try y1.clamp(min: 0, max: Double(h))
            y2 = try y2.clamp(min: 0, max: Double(h))
        }
        return try Tensor.stack([x1, y1, x2, y2], dim: 2).reshape(n, deltas.size(1))
    }

    private func centreSize(_ b: Tensor) throws -> (Tensor, Tensor, Tensor, Tensor) {
        let x1 = try b.select(dim: 1, index: 0)
        let y1 = try b.select(dim: 1, index: 1)
        let x2 = try b.select(dim: 1, index: 2)
        let y2 = try b.select(dim: 1, index: 3)
        return (try (x1 + x2) * 0.5, try (y1 + y2) * 0.5, try x2 - x1, try y2 - y1)
    }
}
