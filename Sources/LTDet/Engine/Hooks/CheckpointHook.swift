/// Saves a checkpoint every `checkpointEveryIterations` iterations, after every `checkpointEveryEpochs`-th
/// and the last epoch, and at the end of the run if the newest checkpoint is not of its last iteration
/// (mmcv's `CheckpointHook`). It runs before evaluation, so that a failing evaluation loses no training.
final class CheckpointHook: TrainerHook {
    let priority = HookPriority.normal

    func afterStep(_ run: TrainingRun) throws {
        if let every = run.settings.checkpointEveryIterations, run.state.iteration % every == 0 {
            try run.saveCheckpoint()
        }
    }

    func afterEpoch(_ run: TrainingRun, epoch: Int) throws {
        if let every = run.settings.checkpointEveryEpochs, epoch % every == 0 || epoch == run.settings.maxEpochs {
            try run.saveCheckpoint()
        }
    }

    func afterRun(_ run: TrainingRun) throws {
        if run.lastCheckpointIteration != run.state.iteration { try run.saveCheckpoint() }
    }
}
