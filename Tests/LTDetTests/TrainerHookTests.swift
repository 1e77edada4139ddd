import Foundation
import Testing

@testable import LTDet
@testable import Torch
import TestSupport

/// Records the events it sees, with the position the run reports at each.
final class RecordingHook: TrainerHook {
    let priority: HookPriority
    var events: [String] = []

    init(priority: HookPriority) { self.priority = priority }

    func beforeRun(_ run: TrainingRun) throws { events.append("beforeRun") }
    func beforeEpoch(_ run: TrainingRun) throws { events.append("beforeEpoch \(run.state.epoch)") }
    func beforeStep(_ run: TrainingRun) throws { events.append("beforeStep \(run.state.iteration)") }
    func afterStep(_ run: TrainingRun) throws { events.append("afterStep \(run.state.iteration)") }
    func afterEpoch(_ run: TrainingRun, epoch: Int) throws { events.append("afterEpoch \(epoch)") }
    func afterRun(_ run: TrainingRun) throws { events.append("afterRun") }
}

@Suite struct TrainerHookTests {
    @Test func hooksRunInPriorityOrderAtEveryEvent() throws {
        let perEpoch = try ToySource().iterationsPerEpoch(epoch: 1)
        let stopAt = perEpoch + 2  // inside the second epoch
        let trainer = try EngineTests().makeTrainer(try temporaryDirectory(), maxIterations: stopAt)
        let late = RecordingHook(priority: .lowest)
        let early = RecordingHook(priority: .highest)
        let sameAsCheckpoint = RecordingHook(priority: .normal)
        for hook in [late, early, sameAsCheckpoint] { trainer.register(hook) }
        let names = trainer.hooks.map { String(describing: type(of: $0)) }
        #expect(trainer.hooks.first === early && trainer.hooks.last === late)
        // Equal priority: after the hooks registered before it.
        #expect(names.firstIndex(of: "CheckpointHook")! < trainer.hooks.firstIndex { $0 === sameAsCheckpoint }!)
        #expect(trainer.hooks.map(\.priority) == trainer.hooks.map(\.priority).sorted())

        try trainer.run()
        var expected = ["beforeRun", "beforeEpoch 1"]
        for i in 0..<perEpoch { expected += ["beforeStep \(i)", "afterStep \(i + 1)"] }
        expected += ["afterEpoch 1", "beforeEpoch 2"]
        for i in perEpoch..<stopAt { expected += ["beforeStep \(i)", "afterStep \(i + 1)"] }
        expected += ["afterRun"]
        #expect(early.events == expected)
        #expect(late.events == expected)
    }

    @Test func logEntriesCarryTimingMemoryAndETA() throws {
        let dir = try temporaryDirectory()
        try EngineTests().makeTrainer(dir).run()
        let first = try #require(
            try String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n").first)
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        for key in ["loss", "loss_mse", "lr", "time", "data_time", "memory", "eta", "epoch_seen"] {
            #expect(entry[key] is Double, "\(key) missing from \(entry)")
        }
    }
}
