import Torch

/// Per-class sigmoid binary cross-entropy, the sigmoid baseline of tztztztztz/eqlv2 (its mmdet 2.3 box head with
/// `CrossEntropyLoss(use_sigmoid=True)`): C outputs, one per foreground class, no background output; a background
/// RoI has every target 0. Summed over RoIs and classes and divided by the number of all RoIs. Test-time scores are
/// the class sigmoids with a zero background column, as that head's `get_bboxes` (`sigmoid`, then a dummy
/// background probability of 0).
///
/// Upstream mmdet 2.1x (and PCB's 2.16) would instead build C+1 outputs for this loss and score them with a
/// softmax (its `get_bboxes` has no sigmoid branch), a test activation that does not match the training loss,
/// so it is not offered.
public final class SigmoidCrossEntropyLoss: ClassificationLoss {
    public let numClasses: Int
    public let lossWeight: Double

    public init(numClasses: Int, lossWeight: Double = 1) {
        self.numClasses = numClasses
        self.lossWeight = lossWeight
    }

    public var outputWidth: Int { numClasses }

    /// Starts every sigmoid at p = 0.001, as the original heads do (`SigmoidClassifierPrior`).
    public func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer {
        try SigmoidClassifierPrior.makeClassifier(inputFeatures: inputFeatures, outputWidth: outputWidth, generator: generator)
    }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        try input.validate(for: self)
        // One-hot over C+1, background column dropped: background rows have all-zero targets.
        let target = try input.labels.oneHot(numClasses: numClasses + 1).narrow(dim: 1, start: 0, length: numClasses)
            .to(input.logits.dtype)
        let perElement = try Functional.binaryCrossEntropyWithLogits(input.logits, target, reduction: .none)
        let loss = try input.reduce(perElement.sum(dim: 1)) * lossWeight
        let accuracy = try ClassificationAccuracy.percent(input.logits, input.labels)
        return LossTerms(losses: ["loss_cls": loss], metrics: ["acc": accuracy])
    }

    /// The class sigmoids, then a background column of zeros.
    public func scores(_ logits: Tensor) throws -> Tensor {
        let background = try Tensor.zeros([logits.size(0), 1], dtype: logits.dtype, device: logits.device)
        return try Tensor.cat([logits.sigmoid(), background], dim: 1)
    }
}
