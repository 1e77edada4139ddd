import Foundation

/// Repeat factor sampling's factors (Gupta et al., LVIS, 2019; docs/methods.md): for class c with
/// image frequency f_c (images containing c / all images), r_c = max(1, sqrt(t / f_c)); an image's
/// factor is the largest r_c over its classes, and 1 when it has no annotations. `imageFactors` is
/// aligned 1:1 with the images it was built from (MMDetection 3.x once shifted them, costing 1.4 AP).
public struct RepeatFactors: Sendable, Equatable {
    public let threshold: Double
    /// The thresholds that make sense: t is compared with the fraction of images showing a category, at most 1,
    /// and a larger t (or inf) only inflates every factor until an image's repeat count leaves the integers.
    public static let thresholdRange: ClosedRange<Double> = 0 ... 1
    /// r_I per image, in the order of the images given.
    public let imageFactors: [Double]
    /// r_c per category id present in at least one image.
    public let classFactors: [Int: Double]
    /// Number of images containing each category id.
    public let classImageCounts: [Int: Int]

    /// - Parameters:
    ///   - imageCategories: the category ids annotated in each image (duplicates allowed).
    ///   - threshold: t; 0 disables re-sampling (every factor 1).
    public init(imageCategories: [[Int]], threshold: Double) {
        precondition(Self.thresholdRange.contains(threshold), "RepeatFactors: threshold \(threshold) outside \(Self.thresholdRange)")
        self.threshold = threshold
        var counts: [Int: Int] = [:]
        for categories in imageCategories { for c in Set(categories) { counts[c, default: 0] += 1 } }
        classImageCounts = counts
        let imageCount = Double(max(imageCategories.count, 1))
        var factors: [Int: Double] = [:]
        for (c, n) in counts {
            factors[c] = threshold == 0 ? 1 : max(1, (threshold / (Double(n) / imageCount)).squareRoot())
        }
        classFactors = factors
        imageFactors = imageCategories.map { categories in categories.map { factors[$0]! }.max() ?? 1 }
    }

    /// MMDetection's fixed repetition: image i appears ceil(r_I) times in every epoch.
    public var ceilRepeats: [Int] { imageFactors.map { Int($0.rounded(.up)) } }

    /// Epoch length under `ceil` rounding.
    public var ceilEpochLength: Int { ceilRepeats.reduce(0, +) }

    /// Expected epoch length under `stochastic` rounding: the sum of the factors.
    public var expectedStochasticEpochLength: Double { imageFactors.reduce(0, +) }

    /// Detectron2's stochastic rounding for one epoch: floor(r_I) plus one more with probability
    /// r_I - floor(r_I), one uniform draw per image in image order.
    public func stochasticRepeats(using generator: inout SplitMix64) -> [Int] {
        imageFactors.map { factor in
            let whole = factor.rounded(.down)
            return Int(whole) + (generator.nextUnit() < factor - whole ? 1 : 0)
        }
    }
}
