import LVISKit

/// A full-image instance mask, one byte per pixel (0 outside, 1 inside), row-major.
public struct BinaryMask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var values: [UInt8]

    public init(width: Int, height: Int, values: [UInt8]) {
        precondition(values.count == width * height, "BinaryMask: \(values.count) values for \(width)x\(height)")
        self.width = width
        self.height = height
        self.values = values
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, values: [UInt8](repeating: 0, count: width * height))
    }

    public var area: Int { values.reduce(0) { $0 + Int($1) } }

    /// The tight box around the set pixels (pixel edges), nil when empty.
    public var boundingBox: BoundingBox? {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0 ..< height {
            for x in 0 ..< width where values[y * width + x] != 0 {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return nil }
        return BoundingBox(x0: Double(x0), y0: Double(y0), x1: Double(x1 + 1), y1: Double(y1 + 1))
    }

    /// Nearest-neighbour resampling to `width` x `height` (pixel centres mapped to pixel centres).
    public func resized(width newWidth: Int, height newHeight: Int) -> BinaryMask {
        let sourceX = (0 ..< newWidth).map { min(Int((Double($0) + 0.5) * Double(width) / Double(newWidth)), width - 1) }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for y in 0 ..< newHeight {
            let sy = min(Int((Double(y) + 0.5) * Double(height) / Double(newHeight)), height - 1)
            let row = sy * width
            for x in 0 ..< newWidth { out[y * newWidth + x] = values[row + sourceX[x]] }
        }
        return BinaryMask(width: newWidth, height: newHeight, values: out)
    }

    /// Nearest-neighbour resampling as OpenCV's `cv2.resize(..., INTER_NEAREST)`, which mmdet's
    /// `BitmapMasks.rescale` calls through `mmcv.imrescale`: output pixel x takes source pixel
    /// floor(x * width / newWidth) (corners aligned, not centres), so training masks match mmdet's bit for bit.
    /// The step is computed as OpenCV's `resizeNN` computes it, 1 / (newWidth / width), whose rounding decides
    /// the pixels where x * width / newWidth is a whole number.
    public func resizedLikeOpenCV(width newWidth: Int, height newHeight: Int) -> BinaryMask {
        func sources(_ count: Int, from size: Int) -> [Int] {
            let step = 1 / (Double(count) / Double(size))
            return (0 ..< count).map { min(Int((Double($0) * step).rounded(.down)), size - 1) }
        }
        let sourceX = sources(newWidth, from: width), sourceY = sources(newHeight, from: height)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for y in 0 ..< newHeight {
            let row = sourceY[y] * width
            for x in 0 ..< newWidth { out[y * newWidth + x] = values[row + sourceX[x]] }
        }
        return BinaryMask(width: newWidth, height: newHeight, values: out)
    }

    public func flippedHorizontally() -> BinaryMask {
        var out = values
        for y in 0 ..< height {
            let row = y * width
            for x in 0 ..< width { out[row + x] = values[row + width - 1 - x] }
        }
        return BinaryMask(width: width, height: height, values: out)
    }
}

extension BinaryMask {
    /// The pixels of a COCO run-length encoding (column-major runs), written straight into
    /// row-major order, touching only the foreground.
    public init(_ rle: RLE) {
        var values = [UInt8](repeating: 0, count: rle.width * rle.height)
        let height = rle.height, width = rle.width
        values.withUnsafeMutableBufferPointer { out in
            var position = 0, inside = false
            for run in rle.counts {
                if inside {
                    for p in position ..< position + Int(run) { out[(p % height) * width + p / height] = 1 }
                }
                position += Int(run)
                inside.toggle()
            }
        }
        self.init(width: width, height: height, values: values)
    }
}
