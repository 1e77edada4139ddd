import Foundation
import LVISKit

/// The long-tail profile of an annotation file: counts per frequency group and per class, and
/// what repeat factor sampling would do with it.
public struct DatasetStatistics: Sendable, Encodable {
    public struct ClassCounts: Sendable, Encodable {
        public let id: Int
        public let name: String
        /// From the file's `frequency` field; for files without it (COCO), by the LVIS rule on
        /// the counted images.
        public let frequency: LVISDataset.Frequency
        public let images: Int
        public let instances: Int
        /// r_c; nil for a class no image contains.
        public let repeatFactor: Double?

        enum CodingKeys: String, CodingKey {
            case id, name, frequency, images, instances
            case repeatFactor = "repeat_factor"
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(frequency.rawValue, forKey: .frequency)
            try container.encode(images, forKey: .images)
            try container.encode(instances, forKey: .instances)
            try container.encodeIfPresent(repeatFactor, forKey: .repeatFactor)
        }
    }

    public struct GroupCounts: Sendable, Encodable {
        public let categories: Int
        public let images: Int
        public let instances: Int
    }

    public let images: Int
    public let imagesWithoutAnnotations: Int
    public let instances: Int
    public let categories: Int
    public let groups: [String: GroupCounts]
    public let classes: [ClassCounts]
    public let rfsThreshold: Double
    /// r_I per image, in file order.
    public let imageRepeatFactors: [Double]
    public let ceilEpochLength: Int
    public let expectedStochasticEpochLength: Double
    /// The seed of the stochastic-rounding example below.
    public let seed: UInt64
    /// One epoch (epoch 0) of stochastic rounding with `seed`, as `RepeatFactorSampler` draws it.
    public let stochasticRepeatsEpoch0: [Int]

    enum CodingKeys: String, CodingKey {
        case images, instances, categories, groups, classes
        case imagesWithoutAnnotations = "images_without_annotations"
        case rfsThreshold = "rfs_threshold"
        case imageRepeatFactors = "image_repeat_factors"
        case ceilEpochLength = "ceil_epoch_length"
        case expectedStochasticEpochLength = "expected_stochastic_epoch_length"
        case seed
        case stochasticRepeatsEpoch0 = "stochastic_repeats_epoch0"
    }

    /// Counts over every image of the file (images without annotations included, with r_I = 1).
    public init(groundTruth file: LVISDataset, rfsThreshold: Double, seed: UInt64 = 0) {
        var categoriesPerImage: [Int: [Int]] = [:]
        var instancesPerClass: [Int: Int] = [:]
        for a in file.annotations {
            categoriesPerImage[a.imageId, default: []].append(a.categoryId)
            instancesPerClass[a.categoryId, default: 0] += 1
        }
        let imageCategories = file.images.map { categoriesPerImage[$0.id] ?? [] }
        let factors = RepeatFactors(imageCategories: imageCategories, threshold: rfsThreshold)
        let classes = file.categories.sorted { $0.id < $1.id }.map { category -> ClassCounts in
            let images = factors.classImageCounts[category.id] ?? 0
            let group = category.frequency ?? LVISDataset.Frequency.lvis(imageCount: images)
            return ClassCounts(id: category.id, name: category.name, frequency: group, images: images,
                               instances: instancesPerClass[category.id] ?? 0, repeatFactor: factors.classFactors[category.id])
        }
        let groupOf = Dictionary(uniqueKeysWithValues: classes.map { ($0.id, $0.frequency) })
        var groups: [String: GroupCounts] = [:]
        for group in LVISDataset.Frequency.allCases {
            let members = classes.filter { $0.frequency == group }
            let imagesWithGroup = imageCategories.filter { $0.contains { groupOf[$0] == group } }.count
            groups[group.rawValue] = GroupCounts(categories: members.count, images: imagesWithGroup,
                                                 instances: members.map(\.instances).reduce(0, +))
        }
        images = file.images.count
        imagesWithoutAnnotations = imageCategories.filter(\.isEmpty).count
        instances = file.annotations.count
        categories = file.categories.count
        self.groups = groups
        self.classes = classes
        self.rfsThreshold = rfsThreshold
        imageRepeatFactors = factors.imageFactors
        ceilEpochLength = factors.ceilEpochLength
        expectedStochasticEpochLength = factors.expectedStochasticEpochLength
        self.seed = seed
        stochasticRepeatsEpoch0 = RepeatFactorSampler(factors: factors, rounding: .stochastic, seed: seed).repeats(forEpoch: 0)
    }

    /// Statistics of a synthetic set just written by `SyntheticDatasetGenerator`.
    public init(file: LVISGroundTruthFile, rfsThreshold: Double, seed: UInt64 = 0) {
        self.init(groundTruth: file.groundTruth, rfsThreshold: rfsThreshold, seed: seed)
    }

    /// A human-readable summary.
    public var summary: String {
        var lines = [
            "images: \(images) (\(imagesWithoutAnnotations) without annotations), instances: \(instances), categories: \(categories)",
        ]
        for group in LVISDataset.Frequency.allCases {
            let g = groups[group.rawValue]!
            lines.append("  \(group.rawValue): \(g.categories) categories, \(g.images) images, \(g.instances) instances")
        }
        lines.append(String(format: "RFS t=%g: ceil epoch length %d (x%.3f), stochastic expected %.2f (x%.3f), epoch 0 with seed %llu: %d",
                            rfsThreshold, ceilEpochLength, Double(ceilEpochLength) / Double(max(images, 1)),
                            expectedStochasticEpochLength, expectedStochasticEpochLength / Double(max(images, 1)),
                            seed, stochasticRepeatsEpoch0.reduce(0, +)))
        lines.append("  id  freq  images  instances  r_c     name")
        for c in classes {
            lines.append(String(format: "%4d  %@  %6d  %9d  %@  %@", c.id, "   \(c.frequency.rawValue)", c.images, c.instances,
                                c.repeatFactor.map { String(format: "%-6.3f", $0) } ?? "-     ", c.name))
        }
        return lines.joined(separator: "\n")
    }
}
