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
    /// nothing extra here. Separable: each source row is interpolated horizontally once (kept for
    /// the next output row, which usually needs it again), then pairs of rows are blended.
    public func resized(width newWidth: Int, height newHeight: Int, mirrored: Bool = false) -> RGBImage {
        let sx = Double(width) / Double(newWidth), sy = Double(height) / Double(newHeight)
        var left = [Int](repeating: 0, count: newWidth), right = left
        var weight = [Float](repeating: 0, count: newWidth)
        for x in 0 ..< newWidth {
            let source = max((Double(x) + 0.5) * sx - 0.5, 0)
            let l = min(Int(source), width - 1)
            let target = mirrored ? newWidth - 1 - x : x
            left[target] = l * 3
            right[target] = min(l + 1, width - 1) * 3
            weight[target] = Float(source - Double(l))
        }
        let rowLength = newWidth * 3
        var upper = [Float](repeating: 0, count: rowLength), lower = upper
        var upperRow = -1, lowerRow = -1
        // Every byte is written below, so the buffer is not zero-filled first.
        var out = [UInt8](unsafeUninitializedCapacity: rowLength * newHeight) { _, count in count = rowLength * newHeight }

        func interpolateRow(_ row: Int, into buffer: inout [Float]) {
            pixels.withUnsafeBufferPointer { src in
                left.withUnsafeBufferPointer { left in
                    right.withUnsafeBufferPointer { right in
                        weight.withUnsafeBufferPointer { weight in
                            buffer.withUnsafeMutableBufferPointer { h in
                                let base = src.baseAddress! + row * width * 3
                                for x in 0 ..< newWidth {
                                    let a = base + left[x], b = base + right[x]
                                    let fx = weight[x], gx = 1 - fx
                                    h[3 * x] = gx * Float(a[0]) + fx * Float(b[0])
                                    h[3 * x + 1] = gx * Float(a[1]) + fx * Float(b[1])
                                    h[3 * x + 2] = gx * Float(a[2]) + fx * Float(b[2])
                                }
                            }
                        }
                    }
                }
            }
        }

        for y in 0 ..< newHeight {
            let source = max((Double(y) + 0.5) * sy - 0.5, 0)
            let top = min(Int(source), height - 1)
            let bottom = min(top + 1, height - 1)
            if upperRow != top {
                if lowerRow == top {
                    swap(&upper, &lower)
                    swap(&upperRow, &lowerRow)
                } else {
                    interpolateRow(top, into: &upper)
                    upperRow = top
                }
            }
            if lowerRow != bottom {
                interpolateRow(bottom, into: &lower)
                lowerRow = bottom
            }
            let fy = Float(source - Double(top)), gy = 1 - fy
            upper.withUnsafeBufferPointer { u in
                lower.withUnsafeBufferPointer { l in
                    out.withUnsafeMutableBufferPointer { dst in
                        let o = dst.baseAddress! + y * rowLength
                        // Adding 1.5 * 2^23 leaves round(v) in the low mantissa bits: a rounding
                        // without the range check of UInt8(_: Float), so the loop vectorises.
                        for i in 0 ..< rowLength {
                            o[i] = UInt8(truncatingIfNeeded: (gy * u[i] + fy * l[i] + 12_582_912).bitPattern)
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
