/// Per-channel (x - mean) / std on 0..255 values, in RGB or BGR channel order.
public struct Normalization: Sendable, Equatable {
    /// Mean and std in the output channel order.
    public var mean: [Float]
    public var std: [Float]
    /// Output channels B, G, R (Caffe-style backbones) instead of R, G, B.
    public var toBGR: Bool

    public init(mean: [Float], std: [Float], toBGR: Bool) {
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 != 0 }, "Normalization: three means and non-zero stds")
        self.mean = mean
        self.std = std
        self.toBGR = toBGR
    }

    /// MMDetection's defaults for torchvision (PyTorch-style) ResNets, RGB.
    public static let imageNetRGB = Normalization(mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toBGR: false)
    /// Detectron2/MMDetection Caffe-style ResNets: BGR, mean only.
    public static let caffeBGR = Normalization(mean: [103.530, 116.280, 123.675], std: [1, 1, 1], toBGR: true)

    /// Writes `image` as normalised CHW floats into `destination`, a plane of `planeWidth` x
    /// `planeHeight` per channel (at least the image size; the rest is left as it is, i.e. the
    /// zero padding of a batch).
    public func write(_ image: RGBImage, into destination: UnsafeMutableBufferPointer<Float>, planeWidth: Int, planeHeight: Int) {
        precondition(planeWidth >= image.width && planeHeight >= image.height && destination.count >= 3 * planeWidth * planeHeight)
        let plane = planeWidth * planeHeight
        for channel in 0 ..< 3 {
            let source = toBGR ? 2 - channel : channel
            let scale = 1 / std[channel], shift = -mean[channel] / std[channel]
            image.pixels.withUnsafeBufferPointer { pixels in
                for y in 0 ..< image.height {
                    var s = y * image.width * 3 + source
                    let d = channel * plane + y * planeWidth
                    for x in 0 ..< image.width {
                        destination[d + x] = Float(pixels[s]) * scale + shift
                        s += 3
                    }
                }
            }
        }
    }
}
