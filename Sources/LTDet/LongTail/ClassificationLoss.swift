import Torch

/// One call of the box head's classification loss.
public struct ClassificationLossInput {
    /// Classifier outputs, N x `outputWidth` (sampled RoIs, then any replayed memory rows).
    public var logits: Tensor
    /// N labels (int64), foreground 0..<C, background C.
    public var labels: Tensor
    /// Optional N per-row weights (mmdet `label_weights`).
    public var labelWeights: Tensor?
    /// The normaliser (mmdet `avg_factor`): the number of all RoIs of the batch for the classification loss.
    public var averageFactor: Double
    /// The 1-based training epoch, for methods that switch on late (PCB).
    public var epoch: Int
    /// Overrides a PCB strength for this call (the iterative head ramps it over its steps).
    public var pcbAlphaOverride: Double?
    /// Optional N ids (int64) saying which observation group a row belongs to, for losses whose state is
    /// updated per ground-truth instance (EBL's mean-score tracker): an id >= 0 names the ground-truth
    /// instance a positive RoI was assigned to (unique within the batch), `Self.notObserved` marks a row
    /// that feeds no observation (background RoIs), `Self.replayedRow` a replayed memory row (grouped by
    /// class). Without it every positive row is grouped by its class.
    public var instanceIDs: Tensor?

    public static let notObserved = -1
    public static let replayedRow = -2

    public init(
        logits: Tensor, labels: Tensor, labelWeights: Tensor? = nil, averageFactor: Double, epoch: Int = 1,
        pcbAlphaOverride: Double? = nil, instanceIDs: Tensor? = nil
    ) {
        self.logits = logits
        self.labels = labels
        self.labelWeights = labelWeights
        self.averageFactor = averageFactor
        self.epoch = epoch
        self.pcbAlphaOverride = pcbAlphaOverride
        self.instanceIDs = instanceIDs
    }
}

/// What a classification loss returns: differentiable terms by mmdet's names (`loss_cls`, or
/// `loss_cls_classes` and `loss_cls_objectness`, ...) and plain numbers to log (accuracies).
public struct LossTerms {
    public var losses: [String: Tensor]
    public var metrics: [String: Double]

    public init(losses: [String: Tensor] = [:], metrics: [String: Double] = [:]) {
        self.losses = losses
        self.metrics = metrics
    }
}

/// The pluggable classification branch of the box head: the loss decides the classifier width, the
/// classifier kind (plain or normalised linear), the test-time activation, and keeps its own training state.
public protocol ClassificationLoss: StatefulComponent {
    /// C, the number of foreground classes.
    var numClasses: Int { get }
    /// Width of the classifier output: C+1 for softmax and EQL v2 (sigmoid), C+2 for Seesaw.
    var outputWidth: Int { get }
    /// Builds the classifier layer that produces the logits from the box head's features.
    func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer
    /// Loss terms for one training step (also updates the method's state, e.g. Seesaw counts).
    func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms
    /// Test-time class probabilities, N x (C+1) with background last (mmdet's `get_activation`).
    func scores(_ logits: Tensor) throws -> Tensor
    /// PCB on top of this loss, if configured (the iterative head ramps its strength over the passes).
    var pcb: PairwiseClassBalance? { get }
}

extension ClassificationLoss {
    /// A linear classifier initialised as mmdet's box head: weights N(0, 0.01), bias 0 (the sigmoid losses
    /// start at a prior instead: `SigmoidClassifierPrior`).
    public func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer {
        let fc = try Linear(inputFeatures, outputWidth, generator: generator)
        try Init.normal(fc.weight, std: 0.01, generator: generator)
        if let b = fc.bias { try Init.constant(b.wrappedValue, 0) }
        return fc
    }

    /// Losses PCB is not defined for.
    public var pcb: PairwiseClassBalance? { nil }

    /// Stateless losses have nothing to save.
    public func stateDict() -> [String: Tensor] { [:] }
    public func loadStateDict(_ state: [String: Tensor]) throws {}
}

/// Thrown before a loss touches its state when the logits hold NaN or infinity: a poisoned step would
/// otherwise corrupt the running statistics (Seesaw counts stay, but EQL v2 sums, the PCB confusion matrix
/// and EBL mean scores would carry the NaN forever). The trainer can skip the step or stop with this message.
public struct NonFiniteLogitsError: Error, CustomStringConvertible {
    public let lossName: String
    public let nonFiniteCount: Int

    public var description: String {
        "\(lossName): \(nonFiniteCount) non-finite classifier logits (NaN or infinity); "
            + "the step was refused before updating the loss state"
    }
}

extension ClassificationLossInput {
    /// Checks the shapes against the loss and that every logit is finite (one host sync per call).
    func validate(for loss: some ClassificationLoss) throws {
        let name = String(describing: type(of: loss))
        guard logits.rank == 2, logits.size(1) == loss.outputWidth else {
            throw TorchError("\(name): logits have shape \(logits.shape), expected N x \(loss.outputWidth)")
        }
        guard labels.shape == [logits.size(0)] else {
            throw TorchError("\(name): labels have shape \(labels.shape), expected [\(logits.size(0))]")
        }
        if let w = labelWeights, w.shape != labels.shape {
            throw TorchError("\(name): label weights have shape \(w.shape), expected \(labels.shape)")
        }
        if let ids = instanceIDs, ids.shape != labels.shape {
            throw TorchError("\(name): instance ids have shape \(ids.shape), expected \(labels.shape)")
        }
        // One pass and one host read when all is well (the common case); the count only for the error.
        try withNoGrad {
            guard try logits.isFinite().all().item() == 0 else { return }
            let bad = try logits.isFinite().logicalNot().sum().itemInt()
            throw NonFiniteLogitsError(lossName: name, nonFiniteCount: bad)
        }
    }

    /// Per-row weights in the logits' dtype (ones when none were given).
    func rowWeights() throws -> Tensor {
        if let w = labelWeights { return try w.to(logits.dtype) }
        return try Tensor.ones([logits.size(0)], dtype: logits.dtype, device: logits.device)
    }

    /// mmdet's `weight_reduce_loss` with `avg_factor`: sum of weighted per-row losses over the normaliser.
    func reduce(_ perRow: Tensor, weights: Tensor) throws -> Tensor {
        try (perRow * weights).sum() / max(averageFactor, 1)
    }

    /// `reduce(_:weights:)` with the label weights, when given (without them, no tensor of ones to multiply by).
    func reduce(_ perRow: Tensor) throws -> Tensor {
        guard let w = labelWeights else { return try perRow.sum() / max(averageFactor, 1) }
        return try reduce(perRow, weights: w.to(perRow.dtype))
    }
}
