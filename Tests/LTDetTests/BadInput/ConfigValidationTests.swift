import Foundation
import Testing

@testable import LTDet
import TestSupport

/// Each value here used to trap (SIGILL) or train on nothing deep inside a run; now loading the config names
/// the file, the key and the value.
@Suite struct ConfigValidationTests {
    func load(_ override: String) throws -> ExperimentConfig {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("exp.yaml")
        try "model_preset: demo\n".write(to: file, atomically: true, encoding: .utf8)
        return try ExperimentConfig.load(file.path, overrides: [override])
    }

    @Test(arguments: [
        ("data.workers_per_gpu=-1", "data.workers_per_gpu", "-1"),
        ("data.samples_per_gpu=0", "data.samples_per_gpu", "0"),
        ("runner.max_epochs=0", "runner.max_epochs", "0"),
        ("runner.max_iters=-1", "runner.max_iters", "-1"),
        ("log_config.interval=0", "log_config.interval", "0"),
        ("checkpoint_config.interval_iters=0", "checkpoint_config.interval_iters", "0"),
        ("data.train_pipeline.short_sides=[]", "data.train_pipeline.short_sides", "[]"),
        ("optimizer.lr=-0.02", "optimizer.lr", "-0.02"),
        ("optimizer.lr=.nan", "optimizer.lr", "nan"),
        ("optimizer.momentum=-0.9", "optimizer.momentum", "-0.9"),
        ("lr_config.warmup_iters=-5", "lr_config.warmup_iters", "-5"),
        ("data.sampler.threshold=.inf", "data.sampler.threshold", "inf"),
    ])
    func outOfRangeValueIsAnErrorNamingFileKeyAndValue(override: String, key: String, value: String) throws {
        do {
            _ = try load(override)
            Issue.record("\(override) was accepted")
        } catch let error as ConfigError {
            let text = "\(error)"
            #expect(error.file.hasSuffix("exp.yaml") && error.key == key, "\(text)")
            #expect(text.contains("not \(value)"), "\(text)")
        }
    }

    /// PyTorch's num_workers=0: batches load in the calling thread.
    @Test func zeroWorkersIsValid() throws {
        #expect(try load("data.workers_per_gpu=0").data.workersPerGPU == 0)
    }
}
