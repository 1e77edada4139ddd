import ArgumentParser
import Foundation
import LTDet
import Torch

/// Writes the training mask targets the pipeline makes for the images of an annotation file at one scale, so
/// that scripts/reference/masks.py can compare them with mmdet's `poly2mask` + `BitmapMasks.rescale` path.
struct DevMasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks", abstract: "Training mask targets of an annotation file at one scale (reference check hook).")

    @Option(help: "COCO or LVIS annotation file.") var ann: String
    @Option(help: "Short side of the resized images.") var shortSide: Int = 800
    @Option(help: "Cap on the long side.") var maxLongSide: Int = 1333
    @Flag(help: "Flip every image horizontally.") var flip = false
    @Option(help: "Only the first N images with targets (0: all).") var images: Int = 0
    @Option(help: "Output .safetensors: masks.<image id> (K x H x W uint8) and ids.<image id> (K annotation ids).")
    var out: String

    func run() throws {
        guard shortSide > 0, maxLongSide > 0 else { throw ValidationError("--short-side and --max-long-side must be positive") }
        let dataset = try InstanceDataset(annotationFile: ann, options: .init(imageRoot: ""))
        let pipeline = SamplePipeline(
            resize: ResizePolicy(shortSides: [shortSide], maxLongSide: maxLongSide), flipProbability: flip ? 1 : 0)
        var result: [String: Tensor] = [:]
        var written = 0
        for item in dataset.images where !item.instances.isEmpty && item.instances.allSatisfy({ $0.mask != nil }) {
            if images > 0 && written == images { break }
            var generator = SplitMix64(seed: 0)
            let sample = pipeline.apply(to: RGBImage(width: item.width, height: item.height), item: item, generator: &generator)
            let bitmaps = sample.masks.map { $0!.rasterized(width: sample.meta.width, height: sample.meta.height) }
            result["masks.\(item.id)"] = try Tensor(
                bitmaps.flatMap(\.values), shape: [bitmaps.count, sample.meta.height, sample.meta.width])
            result["ids.\(item.id)"] = try Tensor(item.instances.map { Int64($0.annotationID ?? -1) })
            written += 1
        }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
        print("\(ann): training masks of \(written) images at short side \(shortSide)\(flip ? ", flipped" : "")")
    }
}
