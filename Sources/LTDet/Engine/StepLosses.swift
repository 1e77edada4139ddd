import Torch

/// The losses of one training step: the objective to differentiate (the sum of the terms named `loss*`, in
/// name order) and the value of every term and of the objective. The values are read from the device in one
/// transfer, not one per term: each read waits for the device, and a step has a dozen terms.
public struct StepLosses {
    public let objective: Tensor
    /// Every term by name, and the objective as `loss`.
    public let values: [String: Double]

    /// Throws `TrainingError.nonFiniteLoss` naming the first term (in name order) that is NaN or infinite.
    init(_ output: StepOutput, run: TrainingRun) throws {
        let names = output.losses.keys.sorted()
        var objective: Tensor?
        for name in names where name.hasPrefix("loss") {
            let term = output.losses[name]!
            objective = try objective.map { try $0 + term } ?? term
        }
        guard let objective else { throw TorchError("the model returned no loss term") }
        let terms = try (names.map { output.losses[$0]! } + [objective]).map { try $0.detach().reshape([1]) }
        let read = try Tensor.cat(terms).toArray(Double.self)
        var values: [String: Double] = [:]
        for (name, value) in zip(names, read) {
            guard value.isFinite else {
                throw TrainingError.nonFiniteLoss(
                    iteration: run.state.iteration, epoch: run.state.epoch, term: name, value: value,
                    lastCheckpoint: run.lastCheckpoint?.path)
            }
            values[name] = value
        }
        values["loss"] = read.last!
        self.objective = objective
        self.values = values
    }
}
