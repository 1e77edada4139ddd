/// Keep-ratio resizing with MMDetection's multi-scale choice: the short side is drawn from
/// `shortSides`, then the scale is reduced if the long side would exceed `maxLongSide`.
/// Output size = round(size * scale) per axis, so boxes and masks use the exact per-axis ratios.
public struct ResizePolicy: Sendable, Equatable {
    public var shortSides: [Int]
    public var maxLongSide: Int

    public init(shortSides: [Int], maxLongSide: Int) {
        precondition(!shortSides.isEmpty && shortSides.allSatisfy { $0 > 0 } && maxLongSide > 0, "ResizePolicy: sizes must be positive")
        self.shortSides = shortSides
        self.maxLongSide = maxLongSide
    }

    /// MMDetection's LVIS multi-scale training: short side 640..800 in steps of 32, long side <= 1333.
    public static let lvisTraining = ResizePolicy(shortSides: Array(stride(from: 640, through: 800, by: 32)), maxLongSide: 1333)
    /// Single-scale testing at 800 x 1333.
    public static let lvisTesting = ResizePolicy(shortSides: [800], maxLongSide: 1333)

    /// The output size for an input of `width` x `height`; draws a short side when there is a choice.
    public func targetSize(width: Int, height: Int, generator: inout SplitMix64) -> (width: Int, height: Int) {
        let short = shortSides.count == 1 ? shortSides[0] : shortSides[generator.nextInt(below: shortSides.count)]
        let scale = min(Double(short) / Double(min(width, height)), Double(maxLongSide) / Double(max(width, height)))
        return (max(1, Int(Double(width) * scale + 0.5)), max(1, Int(Double(height) * scale + 0.5)))
    }
}

extension RGBImage {
    /// Bilinear resampling with pixel centres aligned (OpenCV's INTER_LINEAR without its
    /// fixed-point rounding); when `mirrored`, the output is also flipped left-right, which costs
    /// nothing extra here.
    public func resized(width newWidth: Int, height newHeight: Int, mirrored: Bool = false) -> RGBImage {
        let sx = Double(width) / Double(newWidth), sy = Double(height) / Double(newHeight)
        var x0 = [Int](repeating: 0, count: newWidth), x1 = x0
        var wx = [Float](repeating: 0, count: newWidth)
        for x in 0 ..< newWidth {
            let source = max((Double(x) + 0.5) * sx - 0.5, 0)
            let left = min(Int(source), width - 1)
            let target = mirrored ? newWidth - 1 - x : x
            x0[target] = left * 3
            x1[target] = min(left + 1, width - 1) * 3
            wx[target] = Float(source - Double(left))
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                x0.withUnsafeBufferPointer { x0 in
                    x1.withUnsafeBufferPointer { x1 in
                        wx.withUnsafeBufferPointer { wx in
                            for y in 0 ..< newHeight {
                                let source = max((Double(y) + 0.5) * sy - 0.5, 0)
                                let top = min(Int(source), height - 1)
                                let bottom = min(top + 1, height - 1)
                                let fy = Float(source - Double(top)), gy = 1 - fy
                                let rowTop = src.baseAddress! + top * width * 3, rowBottom = src.baseAddress! + bottom * width * 3
                                var o = dst.baseAddress! + y * newWidth * 3
                                for x in 0 ..< newWidth {
                                    let fx = wx[x], gx = 1 - fx
                                    let a = rowTop + x0[x], b = rowTop + x1[x], c = rowBottom + x0[x], d = rowBottom + x1[x]
                                    let w00 = gy * gx, w01 = gy * fx, w10 = fy * gx, w11 = fy * fx
                                    for k in 0 ..< 3 {
                                        let value = w00 * Float(a[k]) + w01 * Float(b[k]) + w10 * Float(c[k]) + w11 * Float(d[k])
                                        o[k] = UInt8(value + 0.5)
                                    }
                                    o += 3
                                }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }

    public func flippedHorizontally() -> RGBImage {
        var out = pixels
        for y in 0 ..< height {
            let row = y * width * 3
            for x in 0 ..< width {
                let s = row + (width - 1 - x) * 3, d = row + x * 3
                out[d] = pixels[s]; out[d + 1] = pixels[s + 1]; out[d + 2] = pixels[s + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
