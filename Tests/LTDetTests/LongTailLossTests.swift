import Foundation
import Testing
import Torch

@testable import LTDet

/// A reproducible batch: 64 RoIs over C classes, about a quarter positive, every class present when
/// `coverAllClasses` (so PCB's gate can open).
private func batch(numClasses: Int, width: Int, seed: UInt64, coverAllClasses: Bool = true) throws
    -> ClassificationLossInput
{
    let generator = try Generator(seed: seed)
    let n = 64
    let logits = try Tensor.randn([n, width], generator: generator) * 2.0
    var labels = (0..<n).map { i in Int64(i % 4 == 0 ? (i / 4) % numClasses : numClasses) }
    if coverAllClasses { for c in 0..<numClasses { labels[1 + 4 * c] = Int64(c) } }
    let ids = labels.enumerated().map { i, l in l < numClasses ? Int64(i % 7) * 100 + l : -1 }
    return ClassificationLossInput(
        logits: try logits.requiresGrad(true), labels: try Tensor(labels), averageFactor: Double(n), epoch: 20,
        instanceIDs: try Tensor(ids))
}

private let numClasses = 6

private func allConfigs() -> [(String, ClassificationLossConfig, PCBConfig?)] {
    [
        ("softmax", .crossEntropy(.init()), nil),
        ("sigmoid", .crossEntropy(.init(useSigmoid: true)), nil),
        ("seesaw", .seesaw(.init()), nil),
        ("eqlv2", .eqlv2(.init()), nil),
        ("ebl", .equilibrium(.init()), nil),
        ("softmax_pcb", .crossEntropy(.init()), PCBConfig(startEpoch: 2)),
        ("seesaw_pcb", .seesaw(.init()), PCBConfig(startEpoch: 2)),
        ("eqlv2_pcb", .eqlv2(.init()), PCBConfig(startEpoch: 2)),
    ]
}

/// The loss of one named configuration.
private func makeLoss(_ name: String) throws -> any ClassificationLoss {
    let (_, loss, pcb) = allConfigs().first { $0.0 == name }!
    return try ClassificationLossFactory.make(loss, pcb: pcb, numClasses: numClasses)
}

private func totalLoss(_ terms: LossTerms) throws -> Double {
    try terms.losses.values.reduce(0) { try $0 + $1.item() }
}

private func maxDifference(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a.to(.float64) - b.to(.float64)).abs().max().item()
}

@Suite struct LongTailLossTests {
    @Test(arguments: allConfigs().map(\.0))
    func stateSurvivesCheckpointAndContinuesIdentically(name: String) throws {
        let original = try makeLoss(name)
        let width = original.outputWidth
        for step in 0..<3 { _ = try original(try batch(numClasses: numClasses, width: width, seed: UInt64(step))) }

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ltdet-\(name)-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let saved = original.stateDict()
        #expect(!saved.isEmpty || name == "softmax" || name == "sigmoid")
        try Safetensors.save(saved.mapValues { $0 }, to: url)
        let resumed = try makeLoss(name)
        try resumed.loadStateDict(try Safetensors.load(from: url).tensors)

        let next = try batch(numClasses: numClasses, width: width, seed: 99)
        let a = try original(next)
        let b = try resumed(next)
        #expect(Set(a.losses.keys) == Set(b.losses.keys))
        for (key, value) in a.losses { #expect(try value.item() == b.losses[key]!.item(), "\(name) \(key)") }
        let stateA = original.stateDict()
        let stateB = resumed.stateDict()
        #expect(Set(stateA.keys) == Set(stateB.keys))
        for (key, value) in stateA { #expect(try maxDifference(value, stateB[key]!) == 0, "\(name) \(key)") }
    }

    @Test(arguments: allConfigs().map(\.0))
    func shapesAndScores(name: String) throws {
        let loss = try makeLoss(name)
        #expect(loss.outputWidth == (name.hasPrefix("seesaw") ? numClasses + 2 : numClasses + 1))
        let classifier = try loss.makeClassifier(inputFeatures: 32, generator: try Generator(seed: 1))
        let logits = try classifier(try Tensor.randn([5, 32]))
        #expect(logits.shape == [5, loss.outputWidth])
        let scores = try loss.scores(logits)
        #expect(scores.shape == [5, numClasses + 1])
        #expect(try scores.min().item() >= 0 && scores.max().item() <= 1)
        if ["softmax", "seesaw", "ebl"].contains(where: name.hasPrefix) {
            #expect(try (scores.sum(dim: 1) - 1).abs().max().item() < 1e-5)
        }
        let terms = try loss(try batch(numClasses: numClasses, width: loss.outputWidth, seed: 3))
        for (_, value) in terms.losses { #expect(value.shape == [] && value.requiresGrad) }
    }

    @Test func nonFiniteLogitsAreRefusedBeforeTheStateMoves() throws {
        for (name, _, _) in allConfigs() {
            let loss = try makeLoss(name)
            _ = try loss(try batch(numClasses: numClasses, width: loss.outputWidth, seed: 1))
            let before = loss.stateDict().mapValues { try! $0.clone() }
            var input = try batch(numClasses: numClasses, width: loss.outputWidth, seed: 2)
            let poisoned = try input.logits.detach().clone()
            try poisoned.indexPut_(try Tensor([Int64(3)]), try Tensor(scalar: .nan))
            input.logits = poisoned
            #expect(throws: NonFiniteLogitsError.self, "\(name)") { try loss(input) }
            for (key, value) in loss.stateDict() { #expect(try maxDifference(value, before[key]!) == 0, "\(name) \(key)") }
        }
    }

    @Test func pcbGateOpensOnlyFromStartEpochOnceEveryClassIsSeen() throws {
        let plain = SoftmaxCrossEntropyLoss(numClasses: numClasses)
        func pcbLoss() throws -> SoftmaxCrossEntropyLoss {
            SoftmaxCrossEntropyLoss(
                numClasses: numClasses, pcb: try PairwiseClassBalance(variant: .softmax, numClasses: numClasses, startEpoch: 5))
        }
        var input = try batch(numClasses: numClasses, width: numClasses + 1, seed: 4)
        let base = try plain(input).losses["loss_cls"]!.item()

        input.epoch = 4
        #expect(try pcbLoss()(input).losses["loss_cls"]!.item() == base)
        input.epoch = 5
        let pcb = try pcbLoss()
        let active = try pcb(input).losses["loss_cls"]!.item()
        #expect(active != base)
        #expect(try pcb.pcb!.strength(epoch: 5, override: nil) == 0.4)
        #expect(try pcb.pcb!.strength(epoch: 5, override: 0.1) == 0.1)
        // Alpha 0 through the per-call override gives back the base loss.
        input.pcbAlphaOverride = 0
        #expect(abs(try pcbLoss()(input).losses["loss_cls"]!.item() - base) < 1e-6)

        // A class never seen keeps the gate closed.
        let partial = try batch(numClasses: numClasses, width: numClasses + 1, seed: 4, coverAllClasses: false)
        let missing = try pcbLoss()
        var late = partial
        late.epoch = 24
        late.labels = try Tensor(try partial.labels.toArray(Int64.self).map { $0 == 2 ? Int64(numClasses) : $0 })
        _ = try missing(late)
        #expect(try missing.pcb!.strength(epoch: 24, override: nil) == nil)
        #expect(try missing.pcb!.confusion.counts.toArray(Float.self)[2] == 0)
    }

    @Test func confusionRowsAreMovingAveragesOfPresentClassesOnly() throws {
        let matrix = try ConfusionMatrix(numClasses: 3, momentum: 0.99, normalizesRows: true)
        let p = try Tensor([Float(0.7), 0.2, 0.1, 0.5, 0.25, 0.25], shape: [2, 3])
        try matrix.update(probabilities: p, labels: try Tensor([Int64(0), 0]))
        // First update: 0.01 * B re-normalised is B itself; other rows stay zero.
        #expect(try maxDifference(matrix.matrix.narrow(dim: 0, start: 0, length: 1), try Tensor([Float(0.6), 0.225, 0.175], shape: [1, 3])) < 1e-6)
        #expect(try matrix.matrix.narrow(dim: 0, start: 1, length: 2).abs().sum().item() == 0)
        #expect(try matrix.counts.toArray(Float.self) == [2, 0, 0])
    }

    @Test func factoryReadsMMDetStyleDictionaries() throws {
        let loss = try ClassificationLossFactory.make(
            config: ["type": "SeesawLoss", "p": 0.8, "q": 2.0, "loss_weight": 1.0,
                     "pcb": ["alpha": 0.05, "momentum": 0.99, "start_epoch": 17]], numClasses: 10)
        let seesaw = try #require(loss as? SeesawLoss)
        #expect(seesaw.outputWidth == 12 && seesaw.pcb?.alpha == 0.05 && seesaw.pcb?.startEpoch == 17)
        #expect(throws: (any Error).self) { try ClassificationLossFactory.make(config: ["type": "Focal"], numClasses: 3) }
        // A parameter of another loss is an error, not silently ignored (alpha is EQL v2's, not Seesaw's).
        #expect(throws: (any Error).self) {
            try ClassificationLossFactory.make(config: ["type": "SeesawLoss", "alpha": 4.0], numClasses: 3)
        }
    }

    @Test func normedLinearIgnoresFeatureScale() throws {
        let layer = try NormedLinear(8, 3, generator: try Generator(seed: 2))
        let x = try Tensor.randn([4, 8])
        #expect(try maxDifference(layer(x), layer(x * 10.0)) < 1e-4)
        #expect(try layer(x).abs().max().item() <= 20.0001)
    }

    @Test func confusionHeatmapOrdersClassesAndListsOffDiagonalPairs() throws {
        let m: [Float] = [0.8, 0.15, 0.05, 0.3, 0.6, 0.1, 0.0, 0.02, 0.98]
        let pairs = ConfusionHeatmap.strongestConfusions(m, numClasses: 3, top: 2)
        #expect(pairs.map { [$0.trueClass, $0.predictedClass] } == [[1, 0], [0, 1]])
        let heatmap = ConfusionHeatmap.heatmap(m, numClasses: 3, order: [2, 0, 1], names: ["a", "b", "c"])
        #expect(heatmap.rowLabels == ["c", "a", "b"])
        #expect(abs(heatmap.values[0][0] - Double(Float(0.98)).squareRoot()) < 1e-12)  // c -> c first
        #expect(abs(heatmap.values[2][1] - Double(Float(0.3)).squareRoot()) < 1e-12)  // b -> a
    }
}
