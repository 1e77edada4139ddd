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

    public init(
        logits: Tensor, labels: Tensor, labelWeights: Tensor? = nil, averageFactor: Double, epoch: Int = 1,
        pcbAlphaOverride: Double? = nil
    ) {
        self.logits = logits
        self.labels = labels
        self.labelWeights = labelWeights
        self.averageFactor = averageFactor
        self.epoch = epoch
        self.pcbAlphaOverride = pcbAlphaOverride
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
public protocol ClassificationLoss: AnyObject {
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
    /// Training state saved in checkpoints (empty for stateless losses).
    func stateDict() -> [String: Tensor]
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension ClassificationLoss {
    /// A linear classifier initialised as mmdet's box head: weights N(0, 0.01), bias 0.
    public func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer {
        let fc = try Linear(inputFeatures, outputWidth, generator: generator)
        try Init.normal(fc.weight, std: 0.01, generator: generator)
        if let b = fc.bias { try Init.constant(b.wrappedValue, 0) }
        return fc
    }

    public func stateDict() -> [String: Tensor] { [:] }
    public func loadStateDict(_ state: [String: Tensor]) throws {}
}
