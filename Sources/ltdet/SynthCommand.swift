import ArgumentParser
import Foundation
import LTDet

/// Generates the synthetic long-tailed benchmark.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a synthetic long-tailed instance segmentation set in LVIS format.",
        discussion: """
            Writes DIR/annotations/{train,val}.json and DIR/images/{train,val}/ (image root DIR/images \
            with the coco_url convention, or DIR/images/<split> with file_name). A class is a shape, a \
            colour and a pattern; --classes/4 confusable pairs (same shape and \
            pattern, near colours), each joining a frequent class with a rare one.

            Training class frequencies follow LVIS v1's image counts: the sorted counts sampled at \
            --classes evenly spaced ranks, times one scale s chosen so that images hold \
            --classes-per-image classes on average (each class in 1 to N/2 images). Frequency groups \
            use the LVIS rule with its thresholds scaled by s: r when at most max(1, 10 s) training \
            images contain the class, c up to max(2, 100 s), f above. Validation is near balanced \
            with federated labels (neg_category_ids, not_exhaustive_category_ids). The same \
            arguments always give byte-identical files.
            """)

    @Option(help: "Output directory.")
    var out: String

    @Option(help: "Number of classes (1 to \(SyntheticClassCatalog.capacity)).")
    var classes: Int = 30

    @Option(help: "Number of training images.")
    var trainImages: Int = 800

    @Option(help: "Number of validation images.")
    var valImages: Int = 200

    @Option(help: "Image side length in pixels (square images, 64 to 4096).")
    var imageSize: Int = 160

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Image format: jpg or png.")
    var format: String = "jpg"

    @Option(help: "Average number of distinct classes per image.")
    var classesPerImage: Double = 2.5

    func validate() throws {
        guard (1 ... SyntheticClassCatalog.capacity).contains(classes) else {
            throw ValidationError("--classes must be between 1 and \(SyntheticClassCatalog.capacity), got \(classes)")
        }
        guard trainImages >= 1 else { throw ValidationError("--train-images must be at least 1, got \(trainImages)") }
        guard valImages >= 0 else { throw ValidationError("--val-images must not be negative, got \(valImages)") }
        // The upper bound keeps a typo from allocating gigabytes per image (3 * 4096^2 bytes is 48 MiB).
        guard (64 ... 4096).contains(imageSize) else {
            throw ValidationError("--image-size must be between 64 and 4096, got \(imageSize)")
        }
        guard SyntheticDatasetGenerator.ImageFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be jpg or png, got '\(format)'")
        }
        guard classesPerImage > 0 else { throw ValidationError("--classes-per-image must be positive, got \(classesPerImage)") }
    }

    func run() throws {
        var configuration = SyntheticDatasetGenerator.Configuration(
            classes: classes, trainImages: trainImages, valImages: valImages, imageSize: imageSize, seed: seed)
        configuration.imageFormat = SyntheticDatasetGenerator.ImageFormat(rawValue: format)!
        configuration.classesPerImage = classesPerImage
        let start = Date()
        let output = try SyntheticDatasetGenerator(configuration).write(to: out)
        let seconds = Date().timeIntervalSince(start)
        let groups = Dictionary(grouping: output.train.categories, by: \.frequency).mapValues(\.count)
        print("wrote \(output.train.images.count) train and \(output.val.images.count) val images " +
              "(\(output.train.annotations.count) + \(output.val.annotations.count) instances) to \(out) " +
              "in \(String(format: "%.1f", seconds)) s")
        print("categories: \(classes) (r \(groups["r"] ?? 0), c \(groups["c"] ?? 0), f \(groups["f"] ?? 0))")
    }
}
