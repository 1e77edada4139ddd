/// Method state that every process updates from its own batch and that must stay identical on all of them,
/// so its updates go through the process collectives: EQL v2's gradient sums (all-reduced, as
/// tztztztztz/eqlv2 does), PCB's batch confusion sums (summed over processes) and EBL's mean-score
/// observations (gathered, as LOCE does). Seesaw's counts are not among them: the original keeps them per
/// process.
public protocol SynchronizedState: AnyObject {
    var collectives: ProcessCollectives { get set }
}

extension EQLv2Loss: SynchronizedState {}
extension ConfusionMatrix: SynchronizedState {}
extension MeanScoreTracker: SynchronizedState {}

/// Finds the synchronised state reachable from `root` through stored properties (a loss, its PCB, its
/// tracker), so that a new loss needs no registration to be synchronised.
func synchronizedStates(in root: AnyObject) -> [any SynchronizedState] {
    var found: [any SynchronizedState] = []
    var visited: Set<ObjectIdentifier> = []
    func visit(_ value: Any, depth: Int) {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .class || mirror.displayStyle == .optional, depth <= 4 else { return }
        if mirror.displayStyle == .class {
            let object = value as AnyObject
            guard visited.insert(ObjectIdentifier(object)).inserted else { return }
            if let state = object as? any SynchronizedState { found.append(state) }
        }
        for child in mirror.children { visit(child.value, depth: depth + 1) }
    }
    visit(root, depth: 0)
    return found
}
