import Foundation
import Testing
import Torch

@testable import LTDet
import TestSupport

/// The work directory as mmdet users know it: epoch_N / iter_N, `latest`, the recorded config and environment,
/// one run per directory, resuming from a named checkpoint.
@Suite struct WorkDirectoryTests {
    @Test func checkpointsAreNamedByEpochAtEpochEndsAndLatestLinksTheNewest() throws {
        let dir = try temporaryDirectory()
        // 6 batches per epoch, 3 epochs, a checkpoint every 4 iterations and every epoch, the newest 2 kept.
        let trainer = try EngineTests().makeTrainer(dir, everyIterations: 4)
        try trainer.run()
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(names.isSuperset(of: ["epoch_3.safetensors", "epoch_3.json", "iter_16.safetensors", "latest.safetensors"]))
        #expect(!names.contains("iter_18.json") && !names.contains("epoch_2.json"), "pruned to the newest 2: \(names)")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("latest.safetensors").path)
                == "epoch_3.safetensors")
        #expect(Checkpoint.latest(in: dir)?.lastPathComponent == "epoch_3.safetensors")
        let viaLatest = try Checkpoint.read(dir.appendingPathComponent("latest.safetensors"))
        #expect(viaLatest.state == (try Checkpoint.read(dir.appendingPathComponent("epoch_3.safetensors")).state))
    }

    @Test func aFreshRunRefusesAnotherRunsDirectoryUnlessOverwriteAndResumesFromAPath() throws {
        let root = try temporaryDirectory()
        let data = root.appendingPathComponent("synth").path
        let synth = SyntheticDatasetGenerator.Configuration(classes: 3, trainImages: 4, valImages: 2, imageSize: 64, seed: 4)
        _ = try SyntheticDatasetGenerator(synth).write(to: data)
        let work = root.appendingPathComponent("work")
        try DetectorResumeTests().experiment(data: data, work: work, maxIters: 1).train(resume: false)
        let recorded = try String(contentsOf: work.appendingPathComponent("environment.json"), encoding: .utf8)
        #expect(recorded.contains(Runtime.libtorchVersion) && recorded.contains("ltdet_commit"))
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("config.yaml").path))
        let first = try #require(Checkpoint.latest(in: work))

        do {
            try DetectorResumeTests().experiment(data: data, work: work, maxIters: 1).train(resume: false)
            Issue.record("a fresh run into another run's directory must refuse")
        } catch let error as WorkDirectoryError {
            #expect("\(error)".contains("--resume") && "\(error)".contains("--overwrite"), "\(error)")
        }
        #expect(Checkpoint.latest(in: work) == first, "the earlier run is untouched")

        // Resuming a named checkpoint into a new directory continues it there.
        let other = root.appendingPathComponent("other")
        try DetectorResumeTests().experiment(data: data, work: other, maxIters: 2).train(resume: true, resumeFrom: first)
        let continued = try Checkpoint.read(try #require(Checkpoint.latest(in: other)))
        #expect(continued.state.iteration == 2)

        try "unrelated".write(to: work.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        // Trained from the earlier run's recorded config, which --overwrite must neither delete nor rewrite.
        let recordedConfig = work.appendingPathComponent("config.yaml")
        let configText = try String(contentsOf: recordedConfig, encoding: .utf8) + "# kept\n"
        try configText.write(to: recordedConfig, atomically: true, encoding: .utf8)
        let rerun = try DetectorResumeTests().experiment(data: data, work: work, maxIters: 2)
        var config = rerun.config
        config.file = recordedConfig.path
        try DetectionExperiment(config: config, workDirectory: work).train(resume: false, overwrite: true)
        #expect(try String(contentsOf: recordedConfig, encoding: .utf8) == configText)
        let log = try String(contentsOf: work.appendingPathComponent("log.jsonl"), encoding: .utf8)
        #expect(try Checkpoint.read(try #require(Checkpoint.latest(in: work))).state.iteration == 2)
        #expect(log.split(separator: "\n").count <= 2, "only the new run's log: \(log)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("notes.txt").path))
    }
}
