/// Why training stopped early.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(iteration: Int, epoch: Int, term: String, value: Double, lastCheckpoint: String?)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let iteration, let epoch, let term, let value, let last):
            return "training stopped: \(term) = \(value) at iteration \(iteration + 1) (epoch \(epoch)); "
                + (last.map { "the last good checkpoint is \($0)" } ?? "no checkpoint was written yet")
        }
    }
}
