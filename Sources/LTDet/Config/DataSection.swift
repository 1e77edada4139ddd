/// One dataset split: `ann_file` (LVIS/COCO JSON) and `img_prefix` (the image root; LVIS v1 files name
/// images by their `coco_url`, resolved as `img_prefix/train2017/...`).
public struct DatasetSection: Codable, Sendable, Equatable {
    public var annFile: String
    public var imgPrefix: String
    /// Training drops images without annotations (mmdet `filter_empty_gt`).
    public var filterEmptyGT: Bool

    public init(annFile: String, imgPrefix: String, filterEmptyGT: Bool) {
        self.annFile = annFile
        self.imgPrefix = imgPrefix
        self.filterEmptyGT = filterEmptyGT
    }

    enum CodingKeys: String, CodingKey {
        case annFile = "ann_file"
        case imgPrefix = "img_prefix"
        case filterEmptyGT = "filter_empty_gt"
    }
}

/// The per-image transforms: keep-ratio resize with the short side drawn from `short_sides`, the long
/// side capped at `max_long_side`, horizontal flip with probability `flip_ratio`; `poly2mask` (mmdet's
/// `LoadAnnotations` option, default true) makes training masks as mmdet's bitmap path does (rasterised at the
/// original size, then rescaled), false keeps outlines, rasterised in each positive RoI as mmdet's `PolygonMasks`.
///
/// Test-time augmentation (test pipeline only), as mmdet's `MultiScaleFlipAug`: `img_scale` lists the scales
/// as mmdet writes them (`[1333, 800]` or `[[1333, 800], [1333, 640]]`, keep-ratio: the larger number caps the
/// long side, the smaller is the short side) and replaces `short_sides`/`max_long_side`; `flip: true` adds a
/// mirrored view of every scale. With more than one view the detections are merged as mmdet's `aug_test`.
public struct PipelineSection: Codable, Sendable, Equatable {
    public var shortSides: [Int]
    public var maxLongSide: Int
    public var flipRatio: Double
    public var poly2mask: Bool
    public var imgScale: [[Int]]?
    public var flip: Bool

    public init(
        shortSides: [Int], maxLongSide: Int, flipRatio: Double, poly2mask: Bool = true, imgScale: [[Int]]? = nil,
        flip: Bool = false
    ) {
        self.shortSides = shortSides
        self.maxLongSide = maxLongSide
        self.flipRatio = flipRatio
        self.poly2mask = poly2mask
        self.imgScale = imgScale
        self.flip = flip
    }

    enum CodingKeys: String, CodingKey {
        case shortSides = "short_sides"
        case maxLongSide = "max_long_side"
        case flipRatio = "flip_ratio"
        case poly2mask
        case imgScale = "img_scale"
        case flip
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        shortSides = try c.decode([Int].self, forKey: .shortSides)
        maxLongSide = try c.decode(Int.self, forKey: .maxLongSide)
        flipRatio = try c.decode(Double.self, forKey: .flipRatio)
        poly2mask = try c.decodeIfPresent(Bool.self, forKey: .poly2mask) ?? true
        flip = try c.decodeIfPresent(Bool.self, forKey: .flip) ?? false
        // mmdet writes one scale as a pair and several as a list of pairs.
        if let scales = try? c.decodeIfPresent([[Int]].self, forKey: .imgScale) {
            imgScale = scales
        } else {
            imgScale = try c.decodeIfPresent([Int].self, forKey: .imgScale).map { [$0] }
        }
    }

    public var resizePolicy: ResizePolicy { ResizePolicy(shortSides: shortSides, maxLongSide: maxLongSide) }

    /// The views of one test image in mmdet `MultiScaleFlipAug`'s order: each scale, unmirrored then (with `flip`)
    /// mirrored. One view is plain single-scale testing.
    public var testViews: [TestView] {
        let scales = imgScale.map { $0.map { ResizePolicy(shortSides: [$0.min()!], maxLongSide: $0.max()!) } } ?? [resizePolicy]
        return scales.flatMap { scale in
            [TestView(resize: scale, mirrored: false)] + (flip ? [TestView(resize: scale, mirrored: true)] : [])
        }
    }
}

/// One view of a test image: its resize and whether it is mirrored.
public struct TestView: Sendable, Equatable {
    public var resize: ResizePolicy
    public var mirrored: Bool
}

/// The image-level sampler: `shuffled` (the baseline), `repeat_factor` (RFS, threshold t, `ceil` rounding as
/// mmdet or `stochastic` as Detectron2/RIO) or `class_aware`; with `group_by_aspect_ratio` its order is regrouped
/// into batches of one orientation (mmdet's `GroupSampler`, which the LVIS configs set).
public struct SamplerSection: Codable, Sendable, Equatable {
    public var type: String
    public var threshold: Double
    public var rounding: RepeatFactorSampler.Rounding
    public var groupByAspectRatio: Bool

    public init(
        type: String = "shuffled", threshold: Double = 0.001, rounding: RepeatFactorSampler.Rounding = .ceil,
        groupByAspectRatio: Bool = false
    ) {
        self.type = type
        self.threshold = threshold
        self.rounding = rounding
        self.groupByAspectRatio = groupByAspectRatio
    }

    enum CodingKeys: String, CodingKey {
        case type, threshold, rounding
        case groupByAspectRatio = "group_by_aspect_ratio"
    }

    /// The sampler of this process's `shard` (every rank draws the same global order from `seed`), grouped into
    /// batches of `batchSize` when `group_by_aspect_ratio` is set, which then shards the grouped global order as
    /// mmdet's `DistributedGroupSampler`. `file` is the config file the section came from, named by the error for
    /// an unknown type.
    public func makeSampler(dataset: InstanceDataset, seed: UInt64, batchSize: Int, shard: Shard = .single, file: String)
        throws -> any Sampler
    {
        guard groupByAspectRatio else { return try makeBaseSampler(dataset: dataset, seed: seed, shard: shard, file: file) }
        let global = try makeBaseSampler(dataset: dataset, seed: seed, shard: .single, file: file)
        return AspectRatioGroupedSampler(base: global, dataset: dataset, batchSize: batchSize, seed: seed, shard: shard)
    }

    private func makeBaseSampler(dataset: InstanceDataset, seed: UInt64, shard: Shard, file: String) throws -> any Sampler {
        switch type {
        case "shuffled":
            return ShuffledSampler(count: dataset.count, seed: seed, shard: shard)
        case "repeat_factor":
            let factors = RepeatFactors(imageCategories: dataset.imageCategories, threshold: threshold)
            return RepeatFactorSampler(factors: factors, rounding: rounding, seed: seed, shard: shard)
        case "class_aware":
            return ClassAwareSampler(imageCategories: dataset.imageCategories, seed: seed, shard: shard)
        case "sequential":
            return SequentialSampler(count: dataset.count, shard: shard)
        default:
            throw ConfigError(
                file: file, key: "data.sampler.type",
                "unknown sampler '\(type)' (shuffled, repeat_factor, class_aware or sequential)")
        }
    }
}

/// `data:` as mmdet: batch size per process, loader threads, splits, pipelines, sampler, normalisation.
public struct DataSection: Codable, Sendable, Equatable {
    public var samplesPerGPU = 2
    public var workersPerGPU = 2
    public var train = DatasetSection(
        annFile: "data/lvis_v1/annotations/lvis_v1_train.json", imgPrefix: "data/coco", filterEmptyGT: true)
    public var val = DatasetSection(
        annFile: "data/lvis_v1/annotations/lvis_v1_val.json", imgPrefix: "data/coco", filterEmptyGT: false)
    public var trainPipeline = PipelineSection(
        shortSides: Array(stride(from: 640, through: 800, by: 32)), maxLongSide: 1333, flipRatio: 0.5)
    public var testPipeline = PipelineSection(shortSides: [800], maxLongSide: 1333, flipRatio: 0)
    public var sampler = SamplerSection()
    /// `Normalization.imageNetRGB`, written as the shortest decimals that read back as its Float values (so that
    /// a printed config shows 123.675, not 123.67500305).
    public var mean = Normalization.imageNetRGB.mean.map { Double("\($0)")! }
    public var std = Normalization.imageNetRGB.std.map { Double("\($0)")! }
    public var toRGB = !Normalization.imageNetRGB.toBGR
    /// `fail` stops on a missing or corrupt image, an image of another size than its annotation says, or an
    /// annotation that would be a wrong training target, naming it; `skip` leaves it out, counts it and says so.
    public var errorPolicy = "fail"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case train, val, sampler, mean, std
        case samplesPerGPU = "samples_per_gpu"
        case workersPerGPU = "workers_per_gpu"
        case trainPipeline = "train_pipeline"
        case testPipeline = "test_pipeline"
        case toRGB = "to_rgb"
        case errorPolicy = "error_policy"
    }

    public var normalization: Normalization {
        Normalization(mean: mean.map(Float.init), std: std.map(Float.init), toBGR: !toRGB)
    }

    /// `file` is the config file the section came from, named by the error for an unknown policy.
    public func loaderErrorPolicy(file: String) throws -> DataLoader.ErrorPolicy {
        guard let policy = DataLoader.ErrorPolicy(rawValue: errorPolicy) else {
            throw ConfigError(file: file, key: "data.error_policy", "must be 'fail' or 'skip', not '\(errorPolicy)'")
        }
        return policy
    }
}
