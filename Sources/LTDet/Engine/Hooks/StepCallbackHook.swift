/// Runs a closure after every step, after all other hooks (tests use it to interrupt a run at a chosen
/// iteration, as a kill would).
final class StepCallbackHook: TrainerHook {
    let priority = HookPriority.lowest
    let body: (TrainingRun) throws -> Void

    init(_ body: @escaping (TrainingRun) throws -> Void) { self.body = body }

    func afterStep(_ run: TrainingRun) throws { try body(run) }
}
