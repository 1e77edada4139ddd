import Foundation
import LVISKit
import Torch

/// RIO's object-level re-sampling (NVlabs/RIO, `memory_bank/roi_heads.py` `MemoryROIHeads`): an episodic memory
/// of positive RoIs of the target classes (rare classes and common classes seen in few training images), kept
/// per class as a first-in-first-out queue of (feature after the shared FCs, proposal box, matched ground-truth
/// box). Each training step, for every target class among the step's positive RoIs, up to `replay_size` stored
/// entries are replayed through the classifier and regressor only (`ExtraRoIRows.Stage.shared`), their
/// regression targets recomputed from the stored boxes; then the step's own target-class positives are pushed.
/// Replaying before pushing means a row never meets its own copy in the same step. The stored features come
/// from older weights: RIO's "implicit feature augmentation". Memories are per process, as RIO's are, and live
/// on the CPU, detached, so they cost no accelerator memory and never carry gradients into past steps.
public final class MemoryReplay: LongTailComponent {
    /// `model.roi_head.long_tail: [{type: MemoryReplay, ...}]`; defaults are RIO's LVIS configs
    /// (`MAX_CACHE: 60`, `MIN_CACHE: 20`, `RANDOM_SELECT: False`, `lvis*_rare_common30_cats.txt`).
    public struct Options: Codable, Equatable {
        /// Entries kept per target class (RIO `MAX_CACHE`).
        public var queueSize = 60
        /// Entries replayed per target class present in the step (RIO `MIN_CACHE`).
        public var replaySize = 20
        /// Replay a random `replay_size` of the queue (drawn from the step's generator) instead of the newest.
        public var randomSelect = false
        /// A file of target category ids, one per line (RIO's `CACHE_CAT_FILE` format).
        public var targetClassesFile: String?
        /// The training annotation file: maps the ids of `target_classes_file` to labels, or, without that
        /// file, gives the target classes by the image-count rule.
        public var annFile: String?
        /// The rule: a class is a target when at most this many training images contain it.
        public var maxImageCount = 30

        public init() {}

        enum CodingKeys: String, CodingKey {
            case queueSize = "queue_size"
            case replaySize = "replay_size"
            case randomSelect = "random_select"
            case targetClassesFile = "target_classes_file"
            case annFile = "ann_file"
            case maxImageCount = "max_image_count"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            queueSize = try c.decodeIfPresent(Int.self, forKey: .queueSize) ?? queueSize
            replaySize = try c.decodeIfPresent(Int.self, forKey: .replaySize) ?? replaySize
            randomSelect = try c.decodeIfPresent(Bool.self, forKey: .randomSelect) ?? randomSelect
            targetClassesFile = try c.decodeIfPresent(String.self, forKey: .targetClassesFile)
            annFile = try c.decodeIfPresent(String.self, forKey: .annFile)
            maxImageCount = try c.decodeIfPresent(Int.self, forKey: .maxImageCount) ?? maxImageCount
        }
    }

    /// One target class's queue, oldest entry first: N x F features and N x 8 boxes (proposal x1 y1 x2 y2,
    /// then its ground truth), both on the CPU.
    struct Queue {
        var features: Tensor
        var boxes: Tensor
        var count: Int { features.size(0) }
    }

    public let options: Options
    public let numClasses: Int
    /// Target labels, ascending: the order in which a step's classes are replayed.
    public let targetLabels: [Int]
    private let isTarget: [Bool]
    private let coder: DeltaXYWHBoxCoder
    private(set) var queues: [Int: Queue] = [:]

    public init(options: Options, targetLabels: [Int], numClasses: Int, coder: DeltaXYWHBoxCoder) throws {
        guard options.queueSize > 0, options.replaySize > 0 else {
            throw TorchError(
                "long_tail MemoryReplay: queue_size (\(options.queueSize)) and replay_size (\(options.replaySize)) must be positive")
        }
        if let bad = targetLabels.first(where: { !(0..<numClasses).contains($0) }) {
            throw TorchError("long_tail MemoryReplay: target label \(bad) is outside 0..<\(numClasses)")
        }
        self.options = options
        self.numClasses = numClasses
        self.targetLabels = Array(Set(targetLabels)).sorted()
        var isTarget = [Bool](repeating: false, count: numClasses)
        for label in targetLabels { isTarget[label] = true }
        self.isTarget = isTarget
        self.coder = coder
    }

    /// Builds the component from its config entry, reading the target classes from the files it names.
    public convenience init(config: LongTailComponentConfig, context: LongTailBuildContext) throws {
        let options = try config.decodeOptions(Options.self)
        try self.init(
            options: options, targetLabels: try TargetClasses.labels(options: options, numClasses: context.numClasses),
            numClasses: context.numClasses, coder: context.boxCoder)
    }

    public func extraRows(for rois: SampledRoIs, shared: Tensor, context: TrainingStepContext) throws -> ExtraRoIRows? {
        let labels = try rois.labels.to(.cpu).toArray(Int64.self)
        let rows = labels.indices.filter { labels[$0] < numClasses && labels[$0] >= 0 && isTarget[Int(labels[$0])] }
        guard !rows.isEmpty else { return nil }
        let present = Set(rows.map { Int(labels[$0]) }).sorted()
        let replayed = try select(classes: present, generator: context.generator)
        try push(rows: rows, labels: labels, rois: rois, shared: shared)
        guard let replayed else { return nil }
        let device = shared.device
        let boxes = try replayed.boxes.to(device)
        return ExtraRoIRows(
            stage: .shared, features: try replayed.features.to(shared.dtype, device),
            labels: try Tensor(replayed.labels, device: device),
            boxTargets: try coder.encode(proposals: boxes.slice(dim: 1, end: 4), targets: boxes.slice(dim: 1, start: 4)))
    }

    /// The entries to replay for `classes` (ascending), before this step's push: per class the newest
    /// min(`replay_size`, N) in queue order, or that many drawn without replacement in the drawn order.
    func select(classes: [Int], generator: Generator) throws -> (features: Tensor, boxes: Tensor, labels: [Int64])? {
        var features: [Tensor] = [], boxes: [Tensor] = [], labels: [Int64] = []
        for c in classes {
            guard let queue = queues[c], queue.count > 0 else { continue }
            let n = queue.count, k = min(options.replaySize, n)
            let picked = options.randomSelect && n > k
                ? try Tensor.randperm(n, generator: generator).slice(dim: 0, end: k)
                : try Tensor.arange(Double(n - k), Double(n))
            features.append(try queue.features.index(picked))
            boxes.append(try queue.boxes.index(picked))
            labels += Array(repeating: Int64(c), count: k)
        }
        guard !features.isEmpty else { return nil }
        return (try Tensor.cat(features), try Tensor.cat(boxes), labels)
    }

    /// Appends the step's target-class positives (in row order) to their queues, dropping the oldest beyond
    /// `queue_size`.
    private func push(rows: [Int], labels: [Int64], rois: SampledRoIs, shared: Tensor) throws {
        try withNoGrad {
            let index = try Tensor(rows.map(Int64.init))
            let deviceIndex = try index.to(shared.device)
            let features = try shared.detach().index(deviceIndex).to(.cpu)
            let proposals = try rois.rois.index(deviceIndex).slice(dim: 1, start: 1).to(.cpu)
            // Instance ids number the batch's ground truths image after image: an index into their concatenation.
            let allGroundTruth = try Tensor.cat(rois.targets.map { try $0.boxes.to(proposals.dtype, .cpu) })
            let groundTruth = try allGroundTruth.index(rois.instanceIDs.index(deviceIndex).to(.cpu))
            let boxes = try Tensor.cat([proposals, groundTruth], dim: 1)
            let rowLabels = rows.map { Int(labels[$0]) }
            for c in Set(rowLabels).sorted() {
                let mine = try Tensor(rowLabels.indices.filter { rowLabels[$0] == c }.map(Int64.init))
                var queue = Queue(features: try features.index(mine), boxes: try boxes.index(mine))
                if let old = queues[c] {
                    queue = Queue(features: try Tensor.cat([old.features, queue.features]), boxes: try Tensor.cat([old.boxes, queue.boxes]))
                }
                let drop = max(0, queue.count - options.queueSize)
                queues[c] = Queue(features: try queue.features.slice(dim: 0, start: drop).contiguous(),
                                  boxes: try queue.boxes.slice(dim: 0, start: drop).contiguous())
            }
        }
    }

    /// `<label>.features` and `<label>.boxes` of every non-empty queue (empty queues need no entry).
    public func stateDict() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (c, queue) in queues {
            state["\(c).features"] = queue.features
            state["\(c).boxes"] = queue.boxes
        }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var loaded: [Int: Queue] = [:]
        for name in state.keys where name.hasSuffix(".features") {
            let stem = String(name.dropLast(".features".count))
            guard let c = Int(stem), c >= 0, c < numClasses, isTarget[c] else {
                throw TorchError("MemoryReplay: checkpoint queue '\(stem)' is not a target class of this config")
            }
            guard let boxes = state["\(stem).boxes"] else { throw TorchError("MemoryReplay: checkpoint state lacks '\(stem).boxes'") }
            let features = try state[name]!.detach().clone().to(.cpu)
            guard boxes.shape.count == 2, boxes.size(1) == 8, boxes.size(0) == features.size(0), features.size(0) <= options.queueSize
            else {
                throw TorchError(
                    "MemoryReplay: checkpoint queue \(stem) has features \(features.shape) and boxes \(boxes.shape), expected"
                        + " N x F and N x 8 with N <= queue_size \(options.queueSize)")
            }
            loaded[c] = Queue(features: features, boxes: try boxes.detach().clone().to(.cpu))
        }
        queues = loaded
    }

    /// Which classes are targets (RIO ships the lists `lvis1_rare_common30_cats.txt`, 553 classes, and
    /// `lvis0.5_rare_common30_cats.txt`, 706). The rule "at most 30 training images contain the class" gives
    /// exactly the 553 of LVIS v1 (its 337 rare classes, at most 10 images by definition, and the 216 common
    /// ones with 11..30 images; checked against LVIS v1's `image_count`). RIO's v0.5 list is its 454 rare classes
    /// and 252 common ones, which is the same rule on v0.5's training counts (not re-checked here: the v0.5
    /// training annotations are not part of the shared data).
    public enum TargetClasses {
        public static func labels(options: Options, numClasses: Int) throws -> [Int] {
            let dataset = try options.annFile.map { path -> LVISDataset in
                do { return try LVISDataset.load(path: path) } catch {
                    throw TorchError("long_tail MemoryReplay: ann_file '\(path)': \(error)")
                }
            }
            let map = dataset.map { d in CategoryLabelMap(categories: d.categories.map { ($0.id, $0.name, $0.frequency) }) }
            if let map, map.count != numClasses {
                throw TorchError("long_tail MemoryReplay: ann_file '\(options.annFile!)' has \(map.count) categories, the model \(numClasses)")
            }
            if let file = options.targetClassesFile {
                return try fromFile(file, map: map, numClasses: numClasses)
            }
            guard let dataset, let map else {
                throw TorchError("long_tail MemoryReplay: give target_classes_file or ann_file (the image-count rule)")
            }
            return rule(dataset: dataset, map: map, maxImageCount: options.maxImageCount)
        }

        /// Classes whose `image_count` (counted from the annotations when the file gives none) is at most
        /// `maxImageCount`, as labels.
        public static func rule(dataset: LVISDataset, map: CategoryLabelMap, maxImageCount: Int) -> [Int] {
            var images: [Int: Set<Int>] = [:]
            if dataset.categories.contains(where: { $0.imageCount == nil }) {
                for a in dataset.annotations { images[a.categoryId, default: []].insert(a.imageId) }
            }
            return dataset.categories.compactMap { category in
                let count = category.imageCount ?? images[category.id]?.count ?? 0
                return count <= maxImageCount ? map.label(forCategoryID: category.id) : nil
            }.sorted()
        }

        /// Category ids, one per line (blank lines ignored), mapped to labels by the annotation file, or as
        /// id - 1 without one (LVIS numbers its categories 1..C, as RIO reads its lists).
        static func fromFile(_ path: String, map: CategoryLabelMap?, numClasses: Int) throws -> [Int] {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw TorchError("long_tail MemoryReplay: target_classes_file '\(path)': \(error.localizedDescription)")
            }
            return try text.split(whereSeparator: \.isNewline).enumerated().compactMap { line, raw in
                let field = raw.trimmingCharacters(in: .whitespaces)
                if field.isEmpty { return nil }
                let label = Int(field).flatMap { id in
                    if let map { return map.label(forCategoryID: id) }
                    return (1...numClasses).contains(id) ? id - 1 : nil
                }
                guard let label else {
                    throw TorchError(
                        "long_tail MemoryReplay: target_classes_file '\(path)' line \(line + 1): '\(field)' is not a category id of the model")
                }
                return label
            }
        }
    }
}
