import Foundation
import Testing

@testable import LTDet
@testable import Torch
import TestSupport

/// What a resume meets after a kill, a full disk or a hand edit: it continues from the newest checkpoint that
/// reads back whole, says what it skipped, cleans up, and its log reads as one run.
@Suite struct ResumeEdgeCaseTests {
    let engine = EngineTests()

    /// A run killed at iteration 13 with checkpoints every 5 iterations and every epoch, keeping 2: iter_10 and
    /// epoch_2 (iteration 12).
    func killedRun() throws -> URL {
        let dir = try temporaryDirectory()
        let killed = try engine.makeTrainer(dir, everyIterations: 5)
        killed.afterIteration = { state in if state.iteration == 13 { throw Interrupted() } }
        #expect(throws: Interrupted.self) { try killed.run() }
        return dir
    }

    func truncate(_ url: URL) throws {
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
    }

    func loggedIterations(_ dir: URL) throws -> [Int] {
        try String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["iter"] as? Int)
        }
    }

    @Test func truncatedNewestCheckpointFallsBackToThePreviousOne() throws {
        let straight = try engine.makeTrainer(try temporaryDirectory())
        try straight.run()
        let dir = try killedRun()
        try truncate(dir.appendingPathComponent("epoch_2.safetensors"))

        var reports: [String] = []
        let found = Checkpoint.newestReadable(in: dir) { reports.append($0) }
        #expect(found?.url.lastPathComponent == "iter_10.safetensors")
        #expect(reports.count == 1 && reports[0].contains("epoch_2.safetensors"), "\(reports)")

        let resumed = try engine.makeTrainer(dir, everyIterations: 5)
        #expect(try resumed.resumeFromLatest())
        #expect(resumed.state.iteration == 10)
        try resumed.run()
        #expect(try engine.weights(resumed) == engine.weights(straight))
    }

    /// The log of the killed run had iterations 4, 8 and 12; the resumed run (from 10) logs 12 again.
    @Test func logDoesNotRepeatIterationsAfterAResume() throws {
        let dir = try killedRun()
        try truncate(dir.appendingPathComponent("epoch_2.safetensors"))
        let resumed = try engine.makeTrainer(dir, everyIterations: 5)
        try resumed.resumeFromLatest()
        try resumed.run()
        #expect(try loggedIterations(dir) == [4, 8, 12, 16, 18])
    }

    @Test func partialFilesOfAKilledWriteAreRemoved() throws {
        let dir = try killedRun()
        let stale = dir.appendingPathComponent(".iter_15.safetensors.tmp-123-456")
        try Data(repeating: 1, count: 100).write(to: stale)
        _ = try engine.makeTrainer(dir)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
    }

    func sidecar(_ dir: URL, _ name: String, edit: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent(name)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    @Test func impossibleTrainerStateIsAnErrorNamingTheField() throws {
        let dir = try killedRun()
        try sidecar(dir, "epoch_2.json") { $0["epoch"] = -3 }
        let error = #expect(throws: TorchError.self) { try Checkpoint.read(dir.appendingPathComponent("epoch_2.safetensors")) }
        #expect("\(error!)".contains("epoch_2.json") && "\(error!)".contains("'epoch' must be at least 1, not -3"), "\(error!)")
    }

    /// The weights say which iteration they were written at; a sidecar that disagrees is not trusted.
    @Test func sidecarDisagreeingWithTheWeightsIsSkipped() throws {
        let dir = try killedRun()
        try sidecar(dir, "epoch_2.json") { $0["iteration"] = 1000 }
        let error = #expect(throws: TorchError.self) { try Checkpoint.read(dir.appendingPathComponent("epoch_2.safetensors")) }
        #expect("\(error!)".contains("'iteration' is 1000") && "\(error!)".contains("iteration 12"), "\(error!)")
        #expect(Checkpoint.newestReadable(in: dir) { _ in }?.checkpoint.state.iteration == 10)
    }

    /// A file whose header length reads as more than Int.max used to trap in `train --resume` and `test`.
    @Test func checkpointStartingWithFFBytesIsAnError() throws {
        let url = try temporaryDirectory().appendingPathComponent("iter_1.safetensors")
        try Data(repeating: 0xFF, count: 64).write(to: url)
        let error = #expect(throws: TorchError.self) { try Checkpoint.read(url) }
        #expect("\(error!)".contains(url.path) && "\(error!)".contains("header length"), "\(error!)")
    }
}
