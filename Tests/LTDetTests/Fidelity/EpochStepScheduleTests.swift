import Foundation
import Testing
import Torch
@testable import LTDet

/// Epoch-based LR steps fall on real epoch boundaries when epochs differ in length (stochastic RFS), as mmcv's
/// `LrUpdaterHook` with `by_epoch=True` changes the rate when an epoch starts.
@Suite struct EpochStepScheduleTests {
    @Test func stepsFallOnTheFirstIterationOfTheEpochAfterEachStep() throws {
        var section = LRSection()
        section.step = [2, 4]
        section.warmup = nil
        let lengths = [7, 11, 5, 13, 9, 8]  // batches in epochs 1...6
        let schedule = try section.makeSchedule(iterationsInEpoch: { lengths[$0 - 1] }, totalIterations: lengths.reduce(0, +), file: "t")
        var iteration = 0
        for (index, length) in lengths.enumerated() {
            let completedEpochs = index  // before epoch index + 1 starts
            let expected = pow(section.gamma, Double(section.step.filter { completedEpochs >= $0 }.count))
            for _ in 0..<length {
                #expect(abs(schedule.factor(iteration: iteration) - expected) < 1e-15, "epoch \(index + 1), iteration \(iteration)")
                iteration += 1
            }
        }
    }
}
