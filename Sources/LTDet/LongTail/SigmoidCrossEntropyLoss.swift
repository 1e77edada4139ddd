import Torch

/// Per-class sigmoid binary cross-entropy over C+1 outputs, as mmdet 2.x's box head with
/// `CrossEntropyLoss(use_sigmoid=True)`: one-hot targets over all C+1 columns, so the last column acts as an
/// objectness (background) channel; summed over RoIs and columns and divided by the number of all RoIs.
/// Test-time scores use that channel as EQL v2 does: sigmoid(z_c) * (1 - sigmoid(z_C)), background last.
public final class SigmoidCrossEntropyLoss: ClassificationLoss {
    public let numClasses: Int
    public let lossWeight: Double

    public init(numClasses: Int, lossWeight: Double = 1) {
        self.numClasses = numClasses
        self.lossWeight = lossWeight
    }

    public var outputWidth: Int { numClasses + 1 }

    /// Starts every sigmoid at p = 0.001, as the original heads do (`SigmoidClassifierPrior`).
    public func makeClassifier(inputFeatures: Int, generator: Generator?) throws -> any UnaryLayer {
        try SigmoidClassifierPrior.makeClassifier(inputFeatures: inputFeatures, outputWidth: outputWidth, generator: generator)
    }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        try input.validate(for: self)
        let target = try input.labels.oneHot(numClasses: outputWidth).to(input.logits.dtype)
        let perElement = try Functional.binaryCrossEntropyWithLogits(input.logits, target, reduction: .none)
        let loss = try input.reduce(perElement.sum(dim: 1), weights: input.rowWeights()) * lossWeight
        let accuracy = try ClassificationAccuracy.percent(input.logits, input.labels)
        return LossTerms(losses: ["loss_cls": loss], metrics: ["acc": accuracy])
    }

    public func scores(_ logits: Tensor) throws -> Tensor { try ObjectnessSigmoidScores.scores(logits) }
}

/// The test-time activation shared by the sigmoid losses whose last column is a background channel.
enum ObjectnessSigmoidScores {
    static func scores(_ logits: Tensor) throws -> Tensor {
        let s = try logits.sigmoid()
        let c = logits.size(1) - 1
        let background = try s.narrow(dim: 1, start: c, length: 1)
        return try Tensor.cat([s.narrow(dim: 1, start: 0, length: c) * (1 - background), background], dim: 1)
    }
}
