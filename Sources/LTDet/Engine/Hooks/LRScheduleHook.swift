import Torch

/// Sets the learning rate of every parameter group for the coming iteration (mmcv's `LrUpdaterHook`). A
/// momentum schedule would be a sibling hook at `.high`, after this one, as mmcv orders them.
final class LRScheduleHook: TrainerHook {
    let priority = HookPriority.veryHigh
    let schedule: any LRSchedule

    init(schedule: any LRSchedule) { self.schedule = schedule }

    func beforeStep(_ run: TrainingRun) throws {
        schedule.apply(to: run.optimizer, iteration: run.state.iteration)
    }
}
