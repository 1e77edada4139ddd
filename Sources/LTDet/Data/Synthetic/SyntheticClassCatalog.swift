import LVISKit

/// Chooses the K classes of a synthetic set and their target training image counts.
///
/// Image counts follow the LVIS v1 distribution: the sorted LVIS counts are sampled at K evenly
/// spaced ranks, then multiplied by one scale so that images hold `classesPerImage` classes on
/// average (each count at least 1 and at most half the images). The counts go to class ids in a
/// seeded order, as LVIS ids (alphabetical) are unrelated to frequency. Confusable pairs join the
/// i-th most frequent class with the i-th rarest (i < K/4): the rare twin has the frequent class's
/// shape and pattern in the twin shade of its colour, which makes the pairwise bias of long-tailed
/// detectors (rare objects labelled as their frequent look-alike) measurable.
public struct SyntheticClassCatalog: Sendable {
    public let classes: [SyntheticClass]
    /// Target number of training images per class, aligned with `classes`.
    public let trainImageCounts: [Int]
    /// The factor from LVIS image counts to this set's; the frequency thresholds scale with it.
    public let countScale: Double

    public static var capacity: Int {
        SyntheticShape.allCases.count * SyntheticColor.palette.count * SyntheticPattern.allCases.count
    }

    public init(classCount: Int, trainImages: Int, classesPerImage: Double, seed: UInt64) {
        precondition(classCount >= 1 && classCount - classCount / 4 <= Self.capacity,
                     "SyntheticClassCatalog: \(classCount) classes exceed the \(Self.capacity) shape/colour/pattern combinations")
        var generator = SplitMix64(seed: seed, 0xC1A55)

        let sorted = LVISImageCounts.v1.sorted(by: >)
        let quantiles = (0 ..< classCount).map { k in
            classCount == 1 ? sorted[0] : sorted[Int((Double(k) * Double(sorted.count - 1) / Double(classCount - 1)).rounded())]
        }
        let cap = max(1, trainImages / 2)
        let target = Double(trainImages) * classesPerImage
        func scaled(_ s: Double) -> [Int] { quantiles.map { min(cap, max(1, Int((Double($0) * s).rounded()))) } }
        var low = 1e-9, high = 1e6
        for _ in 0 ..< 100 {
            let mid = (low * high).squareRoot()
            if Double(scaled(mid).reduce(0, +)) > target { high = mid } else { low = mid }
        }
        countScale = low
        let countsByRank = scaled(low)

        var order = Array(0 ..< classCount)
        order.deterministicShuffle(using: &generator)
        // order[rank] = index of the class (0-based id) that receives the rank-th largest count.
        var counts = [Int](repeating: 0, count: classCount)
        for (rank, index) in order.enumerated() { counts[index] = countsByRank[rank] }
        trainImageCounts = counts

        var combinations: [(SyntheticShape, Int, SyntheticPattern)] = []
        for shape in SyntheticShape.allCases {
            for colorIndex in SyntheticColor.palette.indices {
                for pattern in SyntheticPattern.allCases { combinations.append((shape, colorIndex, pattern)) }
            }
        }
        combinations.deterministicShuffle(using: &generator)

        let pairCount = classCount / 4
        var twinOf = [Int: Int]()
        for i in 0 ..< pairCount { twinOf[order[classCount - 1 - i]] = order[i] }
        var baseCombination = [Int: (SyntheticShape, Int, SyntheticPattern)]()
        var next = 0
        for index in 0 ..< classCount where twinOf[index] == nil {
            baseCombination[index] = combinations[next]
            next += 1
        }
        var partner = [Int: Int]()
        for (twin, base) in twinOf { partner[twin] = base; partner[base] = twin }
        classes = (0 ..< classCount).map { index in
            let palette = SyntheticColor.palette
            if let base = twinOf[index], let (shape, colorIndex, pattern) = baseCombination[base] {
                return SyntheticClass(id: index + 1, shape: shape, colorName: palette[colorIndex].twinName,
                                      color: palette[colorIndex].twin, pattern: pattern, confusableWith: base + 1)
            }
            let (shape, colorIndex, pattern) = baseCombination[index]!
            return SyntheticClass(id: index + 1, shape: shape, colorName: palette[colorIndex].name,
                                  color: palette[colorIndex].color, pattern: pattern, confusableWith: partner[index].map { $0 + 1 })
        }
    }

    /// The LVIS frequency rule with its thresholds (10 and 100 images) multiplied by
    /// `countScale`, but never below 1 and 2 images: r when at most max(1, 10 s) training images
    /// contain the class, c up to max(2, 100 s), f above.
    public func frequencyGroup(trainImageCount: Int) -> LVISDataset.Frequency {
        LVISDataset.Frequency.group(imageCount: Double(trainImageCount), rareMax: max(1, 10 * countScale),
                             commonMax: max(2, 100 * countScale))
    }
}
