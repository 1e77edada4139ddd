import Torch

/// The baseline: softmax cross-entropy over C+1 outputs (background last), summed over RoIs and divided by
/// the number of all RoIs, as mmdet's `CrossEntropyLoss` with `avg_factor`.
public final class SoftmaxCrossEntropyLoss: ClassificationLoss {
    public let numClasses: Int
    public let lossWeight: Double

    public init(numClasses: Int, lossWeight: Double = 1) {
        self.numClasses = numClasses
        self.lossWeight = lossWeight
    }

    public var outputWidth: Int { numClasses + 1 }

    public func callAsFunction(_ input: ClassificationLossInput) throws -> LossTerms {
        var perRoI = try Functional.crossEntropy(input.logits, input.labels, reduction: .none)
        if let w = input.labelWeights { perRoI = try perRoI * w }
        let loss = try perRoI.sum() * (lossWeight / max(input.averageFactor, 1))
        let accuracy = try withNoGrad {
            try input.logits.argmax(dim: 1).eq(input.labels).to(.float32).mean().item() * 100
        }
        return LossTerms(losses: ["loss_cls": loss], metrics: ["acc": accuracy])
    }

    public func scores(_ logits: Tensor) throws -> Tensor { try logits.softmax(dim: 1) }
}
