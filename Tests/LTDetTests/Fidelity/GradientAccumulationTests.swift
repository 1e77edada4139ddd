import Foundation
import Testing
@testable import LTDet
@testable import Torch
import TestSupport

/// mmcv's `GradientCumulativeOptimizerHook`: one update per `cumulative_iters` steps from the mean of their
/// gradients, and a shorter last cycle when the run does not divide.
@Suite struct GradientAccumulationTests {
    private func trainer(_ dir: URL, cumulative: Int) throws -> Trainer<ToyModel, ToySource> {
        let model = try ToyModel(seed: 3)
        let optimizer = SGD(model.parameters(), lr: 0.05, momentum: 0, weightDecay: 0)
        let settings = TrainerSettings(maxEpochs: 3, checkpointEveryEpochs: nil, cumulativeIterations: cumulative)
        return try Trainer(
            model: model, source: ToySource(), optimizer: optimizer,
            schedule: WarmupMultiStepSchedule(milestones: [], warmupIterations: 0), settings: settings, workDirectory: dir)
    }

    private func weights(_ model: ToyModel) throws -> [Float] {
        try model.parameters().flatMap { try $0.wrappedValue.toArray(Float.self) }
    }

    @Test func updatesOncePerCycleWithTheMeanGradient() throws {
        let cumulative = 4
        let t = try trainer(try temporaryDirectory(), cumulative: cumulative)
        let total = 3 * (try ToySource().iterationsPerEpoch(epoch: 1))
        var history: [[Float]] = [try weights(t.model)]
        t.afterIteration = { _ in history.append(try self.weights(t.model)) }
        try t.run()
        for iteration in 1...total {
            let updates = iteration % cumulative == 0 || iteration == total
            #expect((history[iteration] != history[iteration - 1]) == updates, "iteration \(iteration)")
        }

        // The first update by hand: the same model and batches, gradients of loss / 4 summed, one SGD step.
        let reference = try ToyModel(seed: 3)
        let source = ToySource()
        try source.start(epoch: 1, position: 0)
        for i in 0..<cumulative {
            let batch = try #require(try source.next())
            let output = try reference.step(batch, progress: TrainingProgress(iteration: i, epoch: 1))
            try (try #require(output.losses["loss_mse"]) / Double(cumulative)).backward()
        }
        try SGD(reference.parameters(), lr: 0.05, momentum: 0, weightDecay: 0).step()
        let want = try weights(reference), got = history[cumulative]
        #expect(zip(want, got).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) })
    }
}
