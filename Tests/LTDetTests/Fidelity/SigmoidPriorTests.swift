import Foundation
import Testing
import Torch
@testable import LTDet

/// Sigmoid classifiers start at the originals' prior (eqlv2 / PCB `ConvFCBBoxHead.init_weights`); softmax ones at
/// bias 0 (mmdet `BBoxHead`). scripts/reference/check_initial_logits.sh checks a fresh head against mmcv's formula.
@Suite struct SigmoidPriorTests {
    private func classifierBias(_ config: ClassificationLossConfig) throws -> [Float] {
        let loss = try ClassificationLossFactory.make(config, numClasses: 7)
        let fc = try #require(try loss.makeClassifier(inputFeatures: 16, generator: Generator(seed: 1)) as? Linear)
        return try #require(fc.bias).wrappedValue.toArray(Float.self)
    }

    @Test func sigmoidLossesStartEveryOutputAtThePrior() throws {
        let prior = Float(SigmoidClassifierPrior.bias())
        #expect(abs(1 / (1 + exp(-Double(prior))) - SigmoidClassifierPrior.probability) < 1e-9)
        for config in [ClassificationLossConfig.eqlv2(.init()), .crossEntropy(.init(useSigmoid: true))] {
            let bias = try classifierBias(config)
            #expect(!bias.isEmpty && bias.allSatisfy { $0 == prior }, "\(config): \(bias)")
        }
    }

    @Test func softmaxLossesStartAtZeroBias() throws {
        #expect(try classifierBias(.crossEntropy(.init())).allSatisfy { $0 == 0 })
    }
}

/// The sigmoid baseline is eqlv2's: C outputs, background rows with all-zero targets, test scores the class
/// sigmoids with a zero background column (scripts/reference/check_losses.sh checks the loss and scores).
@Suite struct SigmoidBaselineTests {
    @Test func classSigmoidsScoreAndBackgroundIsZero() throws {
        let loss = try ClassificationLossFactory.make(.crossEntropy(.init(useSigmoid: true)), numClasses: 4)
        #expect(loss.outputWidth == 4)
        let logits = try Tensor.randn([3, 4])
        let scores = try loss.scores(logits)
        #expect(scores.shape == [3, 5])
        #expect(try (scores.narrow(dim: 1, start: 0, length: 4) - logits.sigmoid()).abs().max().item() == 0)
        #expect(try scores.narrow(dim: 1, start: 4, length: 1).abs().max().item() == 0)
    }
}
