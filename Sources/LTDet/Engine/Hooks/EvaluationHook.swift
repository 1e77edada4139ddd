/// Evaluates the model after every `interval`-th and the last epoch, and at the end of a run cut short by
/// `max_iters` (what it learned is still measured), logging the metrics as a `val` entry (mmdet's `EvalHook`).
public final class EvaluationHook: TrainerHook {
    public let priority = HookPriority.low
    public let interval: Int
    /// Evaluates the model (in eval mode) after epoch `epoch`; returns the metrics to log.
    let evaluate: (_ epoch: Int) throws -> [String: Double]
    private var lastEvaluatedIteration: Int?

    public init(interval: Int, evaluate: @escaping (_ epoch: Int) throws -> [String: Double]) {
        self.interval = interval
        self.evaluate = evaluate
    }

    public func afterEpoch(_ run: TrainingRun, epoch: Int) throws {
        if epoch % interval == 0 || epoch == run.settings.maxEpochs { try evaluate(run, epoch: epoch) }
    }

    public func afterRun(_ run: TrainingRun) throws {
        if lastEvaluatedIteration != run.state.iteration { try evaluate(run, epoch: run.state.epoch) }
    }

    private func evaluate(_ run: TrainingRun, epoch: Int) throws {
        run.model.eval()
        let metrics = try evaluate(epoch)
        run.model.train()
        lastEvaluatedIteration = run.state.iteration
        // Every rank takes part in the evaluation (each predicts its shard); rank 0 alone has metrics and a log.
        guard run.writesFiles else { return }
        try run.log.append(mode: "val", epoch: epoch, iteration: run.state.iteration, values: metrics)
    }
}
