import Foundation
import Torch

// Anchors of every pyramid level (mmdet `AnchorGenerator`, center_offset 0, scale-major).
// Input: feature map sizes (H, W) per level. Output per level: (H * W * A) x 4 boxes ordered
// row-major over locations, then anchor (ratio-major, scale-minor) - the order of the RPN head's outputs
// after permuting N x A x H x W to N x H x W x A.
public struct AnchorGenerator: Sendable {
    public var strides: [Int]
    public var scales: [Double]
    public var ratios: [Double]

    public init(strides: [Int], scales: [Double], ratios: [Double]) {
        self.strides = strides
        self.scales = scales
        self.ratios = ratios
    }

    public var anchorsPerLocation: Int { scales.count * ratios.count }

    /// The A anchors of one level centred on (0, 0): base size = stride, h/w = ratio, side x scale.
    public func baseAnchors(level: Int) throws -> Tensor {
        let base = Float(strides[level])
        var rows: [Float] = []
        for ratio in ratios {
            let hRatio = Float(ratio).squareRoot()
            let wRatio = 1 / hRatio
            for scale in scales {
                let w = base * wRatio * Float(scale)
                let h = base * hRatio * Float(scale)
                rows += [-0.5 * w, -0.5 * h, 0.5 * w, 0.5 * h]
            }
        }
        return try Tensor(rows, shape: [anchorsPerLocation, 4])
    }

    /// The anchors of every level for feature maps of the given sizes.
    public func anchors(featureSizes: [(height: Int, width: Int)], device: Device = .cpu) throws -> [Tensor] {
        try featureSizes.enumerated().map { level, size in
            let stride = Double(strides[level])
            let xs = try Tensor.arange(0, Double(size.width), dtype: .float32) * stride
            let ys = try Tensor.arange(0, Double(size.height), dtype: .float32) * stride
            let (yy, xx) = try Tensor.meshgrid(ys, xs)
            let (x, y) = (try xx.reshape(-1), try yy.reshape(-1))
            let shifts = try Tensor.stack([x, y, x, y], dim: 1)
            let all = try shifts.unsqueeze(dim: 1) + baseAnchors(level: level).unsqueeze(dim: 0)
            return try all.reshape(-1, 4).to(device)
        }
    }

    /// Per level, whether each anchor's location lies inside the image's padded extent `validSize`
    /// (mmdet `valid_flags`): locations created only by padding the batch to a larger image are invalid.
    public func validFlags(
        featureSizes: [(height: Int, width: Int)], validSize: (height: Int, width: Int), device: Device = .cpu
    ) throws -> [Tensor] {
        try featureSizes.enumerated().map { level, size in
            let stride = Double(strides[level])
            let validH = min(Int((Double(validSize.height) / stride).rounded(.up)), size.height)
            let validW = min(Int((Double(validSize.width) / stride).rounded(.up)), size.width)
            let rows = try Tensor.arange(size.height).lt(Double(validH))
            let cols = try Tensor.arange(size.width).lt(Double(validW))
            let grid = try rows.unsqueeze(dim: 1).logicalAnd(cols.unsqueeze(dim: 0))
            return try grid.reshape(-1, 1).expand([size.height * size.width, anchorsPerLocation]).reshape(-1).to(device)
        }
    }
}
