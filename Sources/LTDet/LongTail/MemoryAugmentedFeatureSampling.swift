import Torch

/// LOCE's memory-augmented feature sampling (MFS; Feng et al., ICCV 2021, fcjian/LOCE `mmdet/models/utils/mfs.py`
/// and `LoceRoIHead._bbox_forward_train`), config type `MFS`. Rare classes appear in few images, so most steps
/// hold no sample of them; MFS keeps, per foreground class, a ring buffer of RoIAlign features (before the shared
/// FCs) of jittered ground-truth boxes with their regression targets, and each step replays a few of them,
/// choosing classes by how badly the model scores them (EBL's mean scores), not by how rare they are.
///
/// Each step, in LOCE's order and drawing from the step's generator:
/// 1. every ground-truth box gives 16 jittered boxes (`MFSBoxJitter`), pooled without gradient and enqueued
///    (at most `queue_size` per class per step, the oldest entries overwritten);
/// 2. `sampled_num_classes` classes are drawn by `MFSSampler` from the mean scores as they stand before this
///    step's update, and `sampled_num_features` entries of each non-empty one;
/// 3. the drawn rows go through the shared FCs, the classifier and the regressor (`ExtraRoIRows.pooled`) and join
///    both losses and their normaliser; EBL observes them grouped by class, as LOCE does.
/// The memory lives in host memory unless `memory_on_device` (LOCE's `gpu_statictics`); it is allocated at the
/// first step (C x queue_size x 256 x 7 x 7 floats: 4.8 GB for LVIS v1) and is part of the checkpoint with the
/// ring positions, so a resumed run continues exactly. Each process keeps its own memory, as in LOCE.
public final class MemoryAugmentedFeatureSampling: LongTailComponent {
    public struct Settings: Codable, Equatable, Sendable {
        public var queueSize = 80
        public var sampledNumClasses = 8
        public var sampledNumFeatures = 4
        public var memoryOnDevice = false

        enum CodingKeys: String, CodingKey {
            case queueSize = "queue_size", sampledNumClasses = "sampled_num_classes"
            case sampledNumFeatures = "sampled_num_features", memoryOnDevice = "memory_on_device"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            queueSize = try c.decodeIfPresent(Int.self, forKey: .queueSize) ?? queueSize
            sampledNumClasses = try c.decodeIfPresent(Int.self, forKey: .sampledNumClasses) ?? sampledNumClasses
            sampledNumFeatures = try c.decodeIfPresent(Int.self, forKey: .sampledNumFeatures) ?? sampledNumFeatures
            memoryOnDevice = try c.decodeIfPresent(Bool.self, forKey: .memoryOnDevice) ?? memoryOnDevice
        }
    }

    public let settings: Settings
    public let numClasses: Int
    /// EBL's running mean scores, read when drawing classes.
    public let tracker: MeanScoreTracker
    let pooler: MultiLevelRoIAlign
    let coder: DeltaXYWHBoxCoder
    /// (C * queue_size) x channels x S x S features and (C * queue_size) x 4 targets, class c at rows
    /// c * queue_size ..< (c + 1) * queue_size; nil until the first step.
    public private(set) var features: Tensor?
    public private(set) var boxTargets: Tensor?
    /// Per class: the slot the next entry goes to, and how many slots hold an entry.
    public private(set) var nextSlot: [Int]
    public private(set) var filled: [Int]

    public init(settings: Settings, context: LongTailBuildContext) throws {
        for (key, value) in [
            ("queue_size", settings.queueSize), ("sampled_num_classes", settings.sampledNumClasses),
            ("sampled_num_features", settings.sampledNumFeatures),
        ] where value < 1 {
            throw TorchError("model.roi_head.long_tail: MFS '\(key)' must be at least 1, got \(value)")
        }
        guard let ebl = context.classificationLoss as? EquilibriumLoss else {
            throw TorchError(
                "model.roi_head.long_tail: MFS draws classes by EBL's mean scores and needs "
                    + "model.roi_head.bbox_head.loss_cls.type EquilibriumLoss, not \(type(of: context.classificationLoss))")
        }
        self.settings = settings
        numClasses = context.numClasses
        tracker = ebl.tracker
        pooler = context.boxPooler
        coder = context.boxCoder
        nextSlot = Array(repeating: 0, count: numClasses)
        filled = Array(repeating: 0, count: numClasses)
    }

    public convenience init(config: LongTailComponentConfig, model: LongTailBuildContext) throws {
        try self.init(settings: config.decodeOptions(Settings.self), context: model)
    }

    public func extraRows(for rois: SampledRoIs, shared: Tensor, context: TrainingStepContext) throws -> ExtraRoIRows? {
        try withNoGrad {
            try remember(rois, generator: context.generator)
            return try sample(generator: context.generator, device: rois.roiFeatures.device)
        }
    }

    /// Pools the jittered boxes of every ground-truth object of the batch and enqueues them by class.
    func remember(_ rois: SampledRoIs, generator: Generator) throws {
        let device = rois.roiFeatures.device
        var boxes: [Tensor] = [], objects: [Tensor] = [], labels: [Int] = []
        for (target, meta) in zip(rois.targets, rois.metas) {
            // An image without objects draws nothing, as LOCE skips its box generator.
            guard target.count > 0 else {
                boxes.append(try Tensor.zeros([0, 4], dtype: rois.rois.dtype, device: device))
                continue
            }
            let gt = try target.boxes.to(rois.rois.dtype, device)
            let uniforms = try Tensor.rand([4, MFSBoxJitter.boxesPerObject], generator: generator)
            boxes.append(try MFSBoxJitter.jitter(boxes: gt, uniforms: uniforms, width: meta.width, height: meta.height))
            objects.append(try gt.repeatInterleave(MFSBoxJitter.boxesPerObject, dim: 0))
            labels += try target.labels.to(.int64).toArray(Int64.self).flatMap {
                Array(repeating: Int($0), count: MFSBoxJitter.boxesPerObject)
            }
        }
        guard !labels.isEmpty else { return }
        let pooled = try pooler(rois.featureMaps, rois: makeRoIs(boxes))
        let targets = try coder.encode(proposals: Tensor.cat(boxes), targets: Tensor.cat(objects))
        try allocate(like: pooled)

        // The first queue_size rows of each class in batch order, written at the class's ring position.
        let q = settings.queueSize
        var rowsByClass: [Int: [Int]] = [:]
        for (row, label) in labels.enumerated() {
            guard label >= 0, label < numClasses else {
                throw TorchError("MFS: ground-truth label \(label) outside 0..<\(numClasses)")
            }
            if rowsByClass[label, default: []].count < q { rowsByClass[label, default: []].append(row) }
        }
        var rows: [Int64] = [], slots: [Int64] = []
        for (c, classRows) in rowsByClass {
            for row in classRows {
                rows.append(Int64(row))
                slots.append(Int64(c * q + nextSlot[c]))
                nextSlot[c] = (nextSlot[c] + 1) % q
            }
            filled[c] = min(filled[c] + classRows.count, q)
        }
        guard let features, let boxTargets else { return }
        let rowIndex = try Tensor(rows).to(device)
        let slotIndex = try Tensor(slots).to(features.device)
        try features.indexPut_(slotIndex, pooled.index(rowIndex).to(features.dtype, features.device))
        try boxTargets.indexPut_(slotIndex, targets.index(rowIndex).to(boxTargets.dtype, boxTargets.device))
    }

    /// Draws classes by inverse mean score and entries of each; nil when nothing was drawn.
    func sample(generator: Generator, device: Device) throws -> ExtraRoIRows? {
        let meanScores = try tracker.meanScore.to(.float64).toArray(Double.self)
        let probabilities = MFSSampler.probabilities(meanScores: Array(meanScores.prefix(numClasses)))
        let classDraws = try Tensor.rand([settings.sampledNumClasses], dtype: .float64, generator: generator)
            .toArray(Double.self)
        var slots: [Int64] = [], labels: [Int64] = []
        for c in MFSSampler.classes(probabilities: probabilities, uniforms: classDraws) where filled[c] > 0 {
            let entryDraws = try Tensor.rand([settings.sampledNumFeatures], dtype: .float64, generator: generator)
                .toArray(Double.self)
            for entry in MFSSampler.entries(uniforms: entryDraws, filled: filled[c]) {
                slots.append(Int64(c * settings.queueSize + entry))
                labels.append(Int64(c))
            }
        }
        guard let features, let boxTargets, !slots.isEmpty else { return nil }
        let slotIndex = try Tensor(slots).to(features.device)
        return ExtraRoIRows(
            stage: .pooled, features: try features.index(slotIndex).to(device), labels: try Tensor(labels).to(device),
            boxTargets: try boxTargets.index(slotIndex).to(device))
    }

    /// The memory, on its storage device, shaped after the first pooled features (also after a restore that
    /// put it in host memory); float32 when a mixed-precision forward pass pools in float16/bfloat16, so that
    /// the box targets (float32) share its type and a run's memory does not depend on its precision setting.
    private func allocate(like pooled: Tensor) throws {
        let storage = settings.memoryOnDevice ? pooled.device : .cpu
        let slots = numClasses * settings.queueSize
        let dtype = try pooled.fullPrecision().dtype
        if features == nil {
            features = try Tensor.zeros([slots] + Array(pooled.shape.dropFirst()), dtype: dtype, device: storage)
            boxTargets = try Tensor.zeros([slots, 4], dtype: dtype, device: storage)
        } else if features!.device != storage {
            features = try features!.to(storage)
            boxTargets = try boxTargets!.to(storage)
        }
    }

    /// `next_slot` and `filled` (C int64), and once allocated `features` (C x queue_size x channels x S x S) and
    /// `box_targets` (C x queue_size x 4).
    public func stateDict() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        state["next_slot"] = try? Tensor(nextSlot.map(Int64.init))
        state["filled"] = try? Tensor(filled.map(Int64.init))
        if let features, let boxTargets {
            let q = settings.queueSize
            state["features"] = try? features.reshape([numClasses, q] + Array(features.shape.dropFirst()))
            state["box_targets"] = try? boxTargets.reshape(numClasses, q, 4)
        }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        func counters(_ name: String) throws -> [Int] {
            guard let t = state[name] else { throw TorchError("MFS: checkpoint state lacks '\(name)'") }
            guard t.shape == [numClasses] else {
                throw TorchError("MFS: checkpoint '\(name)' has shape \(t.shape), expected [\(numClasses)]")
            }
            return try t.to(.int64).toArray(Int64.self).map(Int.init)
        }
        let q = settings.queueSize
        let loadedNext = try counters("next_slot"), loadedFilled = try counters("filled")
        if let bad = (loadedNext + loadedFilled).first(where: { $0 < 0 || $0 > q }) {
            throw TorchError("MFS: checkpoint ring position or count \(bad) outside 0...\(q) (queue_size \(q))")
        }
        switch (state["features"], state["box_targets"]) {
        case (nil, nil):
            guard loadedFilled.allSatisfy({ $0 == 0 }) else {
                throw TorchError("MFS: checkpoint counts filled slots but holds no 'features'")
            }
            features = nil
            boxTargets = nil
        case (let f?, let b?):
            guard f.rank == 5, Array(f.shape.prefix(2)) == [numClasses, q], b.shape == [numClasses, q, 4] else {
                throw TorchError(
                    "MFS: checkpoint memory has shapes \(f.shape) and \(b.shape), expected [\(numClasses), \(q), C, S, S] "
                        + "and [\(numClasses), \(q), 4] (queue_size \(q))")
            }
            features = try withNoGrad { try f.detach().clone().reshape([numClasses * q] + Array(f.shape.dropFirst(2))) }
            boxTargets = try withNoGrad { try b.detach().clone().reshape(numClasses * q, 4) }
        default:
            throw TorchError("MFS: checkpoint holds only one of 'features' and 'box_targets'")
        }
        nextSlot = loadedNext
        filled = loadedFilled
    }
}
