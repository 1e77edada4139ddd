import ArgumentParser
import Foundation
import LTDet
import Torch

/// Writes the training mask targets the pipeline makes for the images of an annotation file at one scale, so
/// that scripts/reference/masks.py can compare them with mmdet's `poly2mask` + `BitmapMasks.rescale` path; with
/// `--rois-per-image N`, the `poly2mask: false` targets instead: N boxes per image drawn around its ground truth
/// (some reaching past the image), each with the mask target `PolygonMaskTargets` rasterises in it, to compare
/// with mmdet's `mask_target` + `PolygonMasks.crop_and_resize` path.
struct DevMasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks", abstract: "Training mask targets of an annotation file at one scale (reference check hook).")

    @Option(help: "COCO or LVIS annotation file.") var ann: String
    @Option(help: "Short side of the resized images.") var shortSide: Int = 800
    @Option(help: "Cap on the long side.") var maxLongSide: Int = 1333
    @Flag(help: "Flip every image horizontally.") var flip = false
    @Option(help: "Only the first N images with targets (0: all).") var images: Int = 0
    // A full-size page of masks is ~10 MB an image, so the reference check reads them a page at a time.
    @Option(help: "Skip the first K images with targets (paging).") var skipImages: Int = 0
    @Option(help: "poly2mask false: mask targets of this many random boxes per image (0: the bitmap path's masks).")
    var roisPerImage: Int = 0
    @Option(help: "Mask target size with --rois-per-image.") var maskSize: Int = 28
    @Option(help: "Seed of the boxes with --rois-per-image.") var seed: UInt64 = 0
    @Option(help: """
        Output .safetensors: masks.<image id> (K x H x W uint8) and ids.<image id> (K annotation ids); with \
        --rois-per-image, rois.<id> (N x 4 float32), inds.<id> (N ground-truth indices), targets.<id> \
        (N x S x S uint8) and size.<id> (transformed width, height) instead of masks.<id>.
        """)
    var out: String

    func run() throws {
        guard shortSide > 0, maxLongSide > 0 else { throw ValidationError("--short-side and --max-long-side must be positive") }
        guard skipImages >= 0, images >= 0 else { throw ValidationError("--skip-images and --images must be >= 0") }
        let dataset = try InstanceDataset(annotationFile: ann, options: .init(imageRoot: ""))
        guard roisPerImage >= 0, maskSize >= 1 else { throw ValidationError("--rois-per-image must be >= 0, --mask-size >= 1") }
        let pipeline = SamplePipeline(
            resize: ResizePolicy(shortSides: [shortSide], maxLongSide: maxLongSide), flipProbability: flip ? 1 : 0,
            poly2mask: roisPerImage == 0)
        var boxGenerator = SplitMix64(seed: seed)
        var result: [String: Tensor] = [:]
        var written = 0
        let withTargets = dataset.images.lazy.filter { !$0.instances.isEmpty && $0.instances.allSatisfy { $0.mask != nil } }
        for item in withTargets.dropFirst(skipImages) {
            if images > 0 && written == images { break }
            var generator = SplitMix64(seed: 0)
            let sample = pipeline.apply(to: RGBImage(width: item.width, height: item.height), item: item, generator: &generator)
            if roisPerImage > 0 {
                let targets = ImageTargets(boxes: sample.boxes, labels: sample.labels, masks: sample.masks)
                guard let outlines = targets.maskOutlines else { continue }  // RLE masks have no outline path
                let (rois, indices) = randomRoIs(around: sample.boxes, count: roisPerImage, generator: &boxGenerator)
                let boxes = try Tensor(rois, shape: [roisPerImage, 4])
                let masks = try PolygonMaskTargets.targets(
                    positiveBoxes: boxes, gtIndices: try Tensor(indices), outlines: outlines,
                    imageWidth: sample.meta.width, imageHeight: sample.meta.height, size: maskSize)
                result["rois.\(item.id)"] = boxes
                result["inds.\(item.id)"] = try Tensor(indices)
                result["targets.\(item.id)"] = try masks.to(DType.uint8)
                result["size.\(item.id)"] = try Tensor([Int64(sample.meta.width), Int64(sample.meta.height)])
            } else {
                let bitmaps = sample.masks.map { $0!.rasterized(width: sample.meta.width, height: sample.meta.height) }
                result["masks.\(item.id)"] = try Tensor(
                    bitmaps.flatMap(\.values), shape: [bitmaps.count, sample.meta.height, sample.meta.width])
            }
            result["ids.\(item.id)"] = try Tensor(item.instances.map { Int64($0.annotationID ?? -1) })
            written += 1
        }
        // Past the last page an empty file says so; with nothing skipped, no image at all is an error.
        guard written > 0 || skipImages > 0 else { throw ValidationError("\(ann): no image with polygon targets to write") }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
        print("\(ann): training masks of \(written) images at short side \(shortSide)\(flip ? ", flipped" : "")")
    }

    /// `count` boxes, each around a ground-truth box drawn uniformly: corners moved by up to half its side (so
    /// that some reach past the image and are clipped), at least 0.5 px wide and high.
    private func randomRoIs(around boxes: [BoundingBox], count: Int, generator: inout SplitMix64) -> ([Float], [Int64]) {
        var rois: [Float] = [], indices: [Int64] = []
        for _ in 0..<count {
            let g = generator.nextInt(below: boxes.count)
            let box = boxes[g]
            let w = box.x1 - box.x0, h = box.y1 - box.y0
            let x0 = box.x0 + (generator.nextUnit() - 0.5) * w, y0 = box.y0 + (generator.nextUnit() - 0.5) * h
            let x1 = max(box.x1 + (generator.nextUnit() - 0.5) * w, x0 + 0.5)
            let y1 = max(box.y1 + (generator.nextUnit() - 0.5) * h, y0 + 0.5)
            rois += [Float(x0), Float(y0), Float(x1), Float(y1)]
            indices.append(Int64(g))
        }
        return (rois, indices)
    }
}
