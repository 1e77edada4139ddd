import Torch

/// A batch ready for the model: images normalised, zero-padded at the bottom and right to a
/// common size that is a multiple of the size divisor, stored as one CHW float buffer
/// [N, 3, H, W]; plus each image's targets and geometry.
public struct ImageBatch: Sendable {
    public let values: [Float]
    /// [N, 3, H, W].
    public let shape: [Int]
    public let targets: [ImageTargets]
    public let metas: [ImageMeta]
    /// The epoch the batch was drawn from.
    public let epoch: Int
    /// The images already on a device, when the loader moved them there (`moveImages(to:)`).
    public private(set) var deviceImages: Tensor?

    public var count: Int { shape[0] }

    public init(samples: [TransformedSample], normalization: Normalization, sizeDivisor: Int, epoch: Int) {
        func roundUp(_ v: Int) -> Int { (v + sizeDivisor - 1) / sizeDivisor * sizeDivisor }
        let height = roundUp(samples.map(\.image.height).max() ?? 0)
        let width = roundUp(samples.map(\.image.width).max() ?? 0)
        let perImage = 3 * height * width
        var values = [Float](repeating: 0, count: samples.count * perImage)
        values.withUnsafeMutableBufferPointer { buffer in
            for (i, sample) in samples.enumerated() {
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[(i * perImage) ..< ((i + 1) * perImage)])
                normalization.write(sample.image, into: slice, planeWidth: width, planeHeight: height)
            }
        }
        self.values = values
        shape = [samples.count, 3, height, width]
        targets = samples.map { ImageTargets(boxes: $0.boxes, labels: $0.labels, masks: $0.masks) }
        metas = samples.map(\.meta)
        self.epoch = epoch
    }

    /// The images as a float32 tensor [N, 3, H, W] on `device` (the copy the loader made, if it did).
    public func imagesTensor(on device: Device = .cpu) throws -> Tensor {
        if let deviceImages, deviceImages.device == device { return deviceImages }
        return try Tensor(values, shape: shape).to(device)
    }

    /// Starts the copy of the images to `device` (a loader thread calls this, so the model's thread does not
    /// wait for it): to CUDA from pinned host memory without blocking, as PyTorch's pin_memory loaders.
    public mutating func moveImages(to device: Device) throws {
        guard device != .cpu else { return }
        deviceImages = try Tensor(values, shape: shape).pinned().to(device, nonBlocking: true)
    }
}
