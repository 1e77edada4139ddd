import Testing
import Torch

@testable import LTDet

/// The resume tests' verdict: two checkpoints hold the same names and every tensor (weights, method state and
/// a mixed-precision run's loss-scaler state, and the optimiser's with `includingOptimizer`) is equal bit for bit.
func expectBitIdentical(_ a: Checkpoint, _ b: Checkpoint, includingOptimizer: Bool = false) throws {
    #expect(Set(a.model.keys) == Set(b.model.keys) && Set(a.method.keys) == Set(b.method.keys))
    #expect(Set(a.lossScaler.keys) == Set(b.lossScaler.keys))
    for (name, tensor) in a.lossScaler {
        let other = try #require(b.lossScaler[name])
        #expect(try tensor.eq(other).all().item() == 1, "loss scaler \(name) differs after resume")
    }
    var tensors = a.model.merging(a.method, uniquingKeysWith: { x, _ in x })
    if includingOptimizer {
        #expect(Set(a.optimizer.keys) == Set(b.optimizer.keys))
        tensors.merge(a.optimizer, uniquingKeysWith: { x, _ in x })
    }
    for (name, tensor) in tensors {
        let other = try #require(b.model[name] ?? b.method[name] ?? (includingOptimizer ? b.optimizer[name] : nil))
        #expect(try tensor.eq(other).all().item() == 1, "\(name) differs after resume")
    }
}
