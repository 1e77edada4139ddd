import Foundation
import Torch

/// Pastes per-detection mask probabilities (K x S x S, covering each box exactly) into full images of
/// `height` x `width` and thresholds them: K x height x width uint8. Each pixel centre is sampled bilinearly
/// with zeros outside the S x S map, as mmdet's `_do_paste_mask` (grid_sample, align_corners false).
/// A Swift loop over each box's pixels: composing ATen ops would materialise K full-size float images.
public func pasteMasks(_ masks: Tensor, boxes: Tensor, height: Int, width: Int, threshold: Double = 0.5) throws -> Tensor {
    let k = masks.size(0)
    let s = k > 0 ? masks.size(1) : 0
    let probabilities = try masks.to(.float32).toArray(Float.self)
    let corners = try boxes.to(.float32).toArray(Float.self)
    var out = [UInt8](repeating: 0, count: k * height * width)
    let cut = Float(threshold)
    out.withUnsafeMutableBufferPointer { image in
        probabilities.withUnsafeBufferPointer { prob in
            for d in 0..<k {
                let (x0, y0, x1, y1) = (corners[4 * d], corners[4 * d + 1], corners[4 * d + 2], corners[4 * d + 3])
                let bw = max(x1 - x0, 1e-6)
                let bh = max(y1 - y0, 1e-6)
                let xStart = max(Int((x0).rounded(.down)) - 1, 0)
                let xEnd = min(Int((x1).rounded(.up)) + 1, width)
                let yStart = max(Int((y0).rounded(.down)) - 1, 0)
                let yEnd = min(Int((y1).rounded(.up)) + 1, height)
                if xStart >= xEnd || yStart >= yEnd { continue }
                let map = prob.baseAddress! + d * s * s
                let plane = image.baseAddress! + d * height * width
                func at(_ r: Int, _ c: Int) -> Float { (r < 0 || r >= s || c < 0 || c >= s) ? 0 : map[r * s + c] }
                for y in yStart..<yEnd {
                    let v = (Float(y) + 0.5 - y0) / bh * Float(s) - 0.5
                    let r0 = Int(v.rounded(.down))
                    let wy = v - Float(r0)
                    for x in xStart..<xEnd {
                        let u = (Float(x) + 0.5 - x0) / bw * Float(s) - 0.5
                        let c0 = Int(u.rounded(.down))
                        let wx = u - Float(c0)
                        let value = (1 - wy) * ((1 - wx) * at(r0, c0) + wx * at(r0, c0 + 1))
                            + wy * ((1 - wx) * at(r0 + 1, c0) + wx * at(r0 + 1, c0 + 1))
                        if value >= cut { plane[y * width + x] = 1 }
                    }
                }
            }
        }
    }
    return try Tensor(out, shape: [k, height, width])
}
