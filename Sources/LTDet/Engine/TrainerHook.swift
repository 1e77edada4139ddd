/// Something that happens around training steps: the learning-rate schedule, the optimiser update, logging,
/// checkpoints, evaluation (mmcv's `Hook`, Detectron2's `HookBase`). A trainer calls its hooks in ascending
/// `priority` at each event; hooks of equal priority run in the order they were registered. Every method
/// has an empty default, so a hook implements only the events it needs.
///
/// Where the planned components attach: fp16 loss scaling and gradient all-reduce replace `OptimizerHook`
/// (as mmcv's `Fp16OptimizerHook` and `DistOptimizerHook` do: scale before backward, all-reduce and unscale
/// before clipping); long-tail components that need epoch or iteration notifications implement
/// `beforeEpoch` / `beforeStep`.
public protocol TrainerHook: AnyObject {
    var priority: HookPriority { get }
    func beforeRun(_ run: TrainingRun) throws
    /// The epoch `run.state.epoch` starts (or, after a resume, continues at `run.state.positionInEpoch`).
    func beforeEpoch(_ run: TrainingRun) throws
    /// Before the model's forward pass of iteration `run.state.iteration`.
    func beforeStep(_ run: TrainingRun) throws
    /// After the forward pass: `run.losses` holds the step's losses and `run.state` counts the step as done.
    func afterStep(_ run: TrainingRun) throws
    /// Epoch `epoch` is complete (`run.state` already points at the start of the next one).
    func afterEpoch(_ run: TrainingRun, epoch: Int) throws
    func afterRun(_ run: TrainingRun) throws
}

extension TrainerHook {
    public var priority: HookPriority { .normal }
    public func beforeRun(_ run: TrainingRun) throws {}
    public func beforeEpoch(_ run: TrainingRun) throws {}
    public func beforeStep(_ run: TrainingRun) throws {}
    public func afterStep(_ run: TrainingRun) throws {}
    public func afterEpoch(_ run: TrainingRun, epoch: Int) throws {}
    public func afterRun(_ run: TrainingRun) throws {}
}

/// When a hook runs relative to the others: lower first. The levels are mmcv's, so that an mmcv hook's
/// documented priority carries over.
public struct HookPriority: Comparable, Sendable {
    public let value: Int

    public init(_ value: Int) { self.value = value }

    public static let highest = HookPriority(0)
    public static let veryHigh = HookPriority(10)
    public static let high = HookPriority(30)
    public static let aboveNormal = HookPriority(40)
    public static let normal = HookPriority(50)
    public static let belowNormal = HookPriority(60)
    public static let low = HookPriority(70)
    public static let veryLow = HookPriority(90)
    public static let lowest = HookPriority(100)

    public static func < (a: HookPriority, b: HookPriority) -> Bool { a.value < b.value }
}
