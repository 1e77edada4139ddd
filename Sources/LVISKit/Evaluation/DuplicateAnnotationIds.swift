/// Annotation ids that occur more than once in a ground-truth file. lvis-api and pycocotools index annotations
/// by id in a dictionary, so the last annotation of an id is the one every lookup of that id returns; the
/// evaluation must do the same to give their numbers, and say so, because the earlier ones then count as a
/// copy of the last instead of themselves.
struct DuplicateAnnotationIds {
    /// File position -> position of the last annotation with its id; empty when every id is unique.
    private let last: [Int: Int]
    let warning: String?

    init(_ annotations: [LVISDataset.Annotation]) {
        var lastOfId: [Int: Int] = [:]
        lastOfId.reserveCapacity(annotations.count)
        for (n, a) in annotations.enumerated() { lastOfId[a.id] = n }
        guard lastOfId.count < annotations.count else {
            last = [:]
            warning = nil
            return
        }
        var last: [Int: Int] = [:]
        var ids: [Int] = []
        for (n, a) in annotations.enumerated() where lastOfId[a.id]! != n {
            last[n] = lastOfId[a.id]!
            if ids.last != a.id { ids.append(a.id) }
        }
        self.last = last
        let distinct = Array(Set(ids)).sorted()
        warning = "the ground truth has \(last.count) annotations whose id occurs again later "
            + "(ids \(distinct.prefix(5).map(String.init).joined(separator: ", "))\(distinct.count > 5 ? ", ..." : "")): "
            + "as lvis-api and pycocotools do, each is evaluated as a copy of the last annotation with its id"
    }

    /// The position of the annotation the references use when they look up the one at `n` by its id.
    func lookUp(_ n: Int) -> Int { last[n] ?? n }
}
