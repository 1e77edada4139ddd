import Foundation
import Testing
@testable import LTDet

@Suite struct DataTransformTests {
    /// A random image with random star/ring/square objects, and its dataset item (polygon masks).
    static func randomItem(seed: UInt64) -> (RGBImage, DatasetImage) {
        var generator = SplitMix64(seed: seed)
        let width = 60 + generator.nextInt(below: 140), height = 60 + generator.nextInt(below: 140)
        var canvas = Canvas(width: width, height: height, background: .black)
        var instances: [DatasetInstance] = []
        for k in 0 ..< 1 + generator.nextInt(below: 4) {
            let shape = SyntheticShape.allCases[generator.nextInt(below: SyntheticShape.allCases.count)]
            let radius = generator.nextDouble(in: 8 ... 25)
            let center = Point2D(generator.nextDouble(in: radius ... Double(width) - radius), generator.nextDouble(in: radius ... Double(height) - radius))
            let outline = shape.outline(center: center, radius: radius, aspect: 1, rotation: generator.nextDouble(in: -0.3 ... 0.3))
            canvas.fillPolygon(outline, color: .white)
            let xs = outline.map(\.x), ys = outline.map(\.y)
            let box = BoundingBox(x0: xs.min()!, y0: ys.min()!, x1: xs.max()!, y1: ys.max()!)
            instances.append(DatasetInstance(label: k, box: box, mask: .polygons([outline])))
        }
        return (canvas.image, DatasetImage(id: Int(seed), path: "memory", width: width, height: height, instances: instances))
    }

    @Test func boxesAndMasksStayConsistent() {
        for seed in 0 ..< 60 as Range<UInt64> {
            let (image, item) = Self.randomItem(seed: seed)
            let pipeline = SamplePipeline(resize: ResizePolicy(shortSides: [48, 96, 160, 224], maxLongSide: 300), flipProbability: 0.5)
            var generator = SplitMix64(seed: seed, 77)
            let sample = pipeline.apply(to: image, item: item, generator: &generator)
            #expect(sample.image.width == sample.meta.width && sample.image.height == sample.meta.height)
            #expect(max(sample.image.width, sample.image.height) <= 300)
            for (box, mask) in zip(sample.boxes, sample.masks) {
                guard case .bitmap(let bitmap)? = mask, let maskBox = bitmap.boundingBox else {
                    Issue.record("mask missing or empty"); continue
                }
                // The mask, rasterised at the original size (pixel centres inside the outline) and rescaled
                // with nearest neighbour as mmdet does, lies inside the transformed box grown by half a source
                // pixel and one output pixel, and fills nearly all of it; sharp tips may miss a pixel or two.
                let mx = 0.5 * sample.meta.scaleX + 1, my = 0.5 * sample.meta.scaleY + 1
                #expect(maskBox.x0 >= box.x0 - mx && maskBox.x1 <= box.x1 + mx)
                #expect(maskBox.y0 >= box.y0 - my && maskBox.y1 <= box.y1 + my)
                if min(box.width, box.height) >= 8 {
                    #expect(maskBox.area >= 0.6 * box.area, "mask box \(maskBox) vs box \(box)")
                }
                // Mask pixels are where the (resized, flipped) object is white.
                var agree = 0
                for (i, v) in bitmap.values.enumerated() where v != 0 { agree += sample.image.pixels[i * 3] > 127 ? 1 : 0 }
                #expect(Double(agree) >= 0.85 * Double(bitmap.area) - 4)
            }
            for (original, transformed) in zip(item.instances, sample.boxes) {
                let back = sample.meta.boxInOriginalImage(transformed)
                #expect(abs(back.x0 - original.box.x0) < 1e-9 && abs(back.y1 - original.box.y1) < 1e-9)
            }
        }
    }

    @Test func flipIsItsOwnInverse() {
        let (image, item) = Self.randomItem(seed: 3)
        #expect(image.flippedHorizontally().flippedHorizontally() == image)
        let mask = item.instances[0].mask!
        let twice = mask.flippedHorizontally(imageWidth: image.width).flippedHorizontally(imageWidth: image.width)
        #expect(twice.rasterized(width: image.width, height: image.height) == mask.rasterized(width: image.width, height: image.height))
        let bitmap = mask.rasterized(width: image.width, height: image.height)
        let flippedPolygon = mask.flippedHorizontally(imageWidth: image.width).rasterized(width: image.width, height: image.height)
        let differing = zip(bitmap.flippedHorizontally().values, flippedPolygon.values).filter { $0 != $1 }.count
        #expect(Double(differing) <= 0.02 * Double(bitmap.area) + 4)
        let box = item.instances[0].box
        #expect(box.flippedHorizontally(imageWidth: 100).flippedHorizontally(imageWidth: 100) == box)
        #expect(image.resized(width: 50, height: 40, mirrored: true) == image.resized(width: 50, height: 40).flippedHorizontally())
    }

    @Test func resizePolicyKeepsRatioAndCapsLongSide() {
        var generator = SplitMix64(seed: 1)
        let policy = ResizePolicy(shortSides: [800], maxLongSide: 1333)
        #expect(policy.targetSize(width: 640, height: 480, generator: &generator) == (1067, 800))
        #expect(policy.targetSize(width: 1000, height: 300, generator: &generator) == (1333, 400))
        var chosen = Set<Int>()
        for _ in 0 ..< 200 { chosen.insert(ResizePolicy.lvisTraining.targetSize(width: 640, height: 640, generator: &generator).height) }
        #expect(chosen == Set(stride(from: 640, through: 800, by: 32)))
    }

    @Test func bilinearResizeOfConstantAndIdentity() {
        let flat = RGBImage(width: 7, height: 5, fill: (10, 200, 99))
        #expect(flat.resized(width: 13, height: 3) == RGBImage(width: 13, height: 3, fill: (10, 200, 99)))
        let (image, _) = Self.randomItem(seed: 9)
        #expect(image.resized(width: image.width, height: image.height) == image)
    }

    @Test func batchIsNormalisedAndPadded() throws {
        let pipeline = SamplePipeline(resize: ResizePolicy(shortSides: [40], maxLongSide: 1000), flipProbability: 0)
        var samples: [TransformedSample] = []
        for seed in 0 ..< 3 as Range<UInt64> {
            let (image, item) = Self.randomItem(seed: seed)
            var generator = SplitMix64(seed: seed)
            samples.append(pipeline.apply(to: image, item: item, generator: &generator))
        }
        let batch = ImageBatch(samples: samples, normalization: .imageNetRGB, sizeDivisor: 32, epoch: 0)
        #expect(batch.shape[0] == 3 && batch.shape[1] == 3 && batch.shape[2] % 32 == 0 && batch.shape[3] % 32 == 0)
        #expect(batch.shape[2] >= samples.map(\.image.height).max()! && batch.shape[3] >= samples.map(\.image.width).max()!)
        let (h, w) = (batch.shape[2], batch.shape[3])
        let first = samples[0].image
        // Pixel (0, 0), green channel, of image 0; and the padding is zero.
        #expect(abs(batch.values[h * w] - (Float(first.pixels[1]) - 116.28) / 57.12) < 1e-5)
        #expect(batch.values[h * w - 1] == 0 || first.height == h && first.width == w)
        var bgr = Normalization.imageNetRGB
        bgr.toBGR = true
        let swapped = ImageBatch(samples: samples, normalization: bgr, sizeDivisor: 32, epoch: 0)
        #expect(abs(swapped.values[0] - (Float(first.pixels[2]) - 123.675) / 58.395) < 1e-5)
        let tensor = try batch.imagesTensor()
        #expect(tensor.shape == batch.shape)
    }
}
