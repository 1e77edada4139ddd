/// The order in which lvis-api and pycocotools rank detections: numpy's `argsort(-scores, kind="mergesort")`.
/// Higher scores come first and a NaN score after every number (numpy sorts NaN last, and -NaN is NaN); equal
/// scores, NaN with NaN included, tie, and callers break ties by position as the stable sort does. Comparing
/// with `>` alone is no ordering once a score is NaN, and the sort then returns an arbitrary permutation.
enum ScoreOrder {
    /// Whether score `a` ranks strictly before score `b`.
    @inline(__always) static func precedes(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        return a > b
    }

    @inline(__always) static func ties(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

    /// Whether detection `a` (score `sa`) ranks before detection `b` (score `sb`), ties by position.
    @inline(__always) static func precedes(_ a: Int, _ sa: Double, _ b: Int, _ sb: Double) -> Bool {
        ties(sa, sb) ? a < b : precedes(sa, sb)
    }
}
