/// LOCE's probabilistic sampler over its feature memory (fcjian/LOCE `MFS._sampling_classes` and
/// `probabilistic_sampler`): classes drawn with replacement with probability proportional to 1 / (m_c + 1e-7),
/// m the mean classification scores of EBL, so that the classes the model scores worst are replayed most;
/// then entries drawn uniformly with replacement from each drawn class's filled slots.
///
/// Pure functions of given uniform draws, so that `ltdet dev mfs` and scripts/reference/mfs.py can check them
/// on the same draws; the component draws them from the step's generator.
public enum MFSSampler {
    /// LOCE adds 10e-8 (= 1e-7) so that a class with a zero mean score has a finite weight.
    public static let epsilon = 1e-7

    /// Sampling probabilities of the C foreground classes from their mean scores (background excluded).
    public static func probabilities(meanScores: [Double]) -> [Double] {
        let weights = meanScores.map { 1 / ($0 + epsilon) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// Classes for the given uniform draws in [0, 1) by inverse transform over the cumulative probabilities
    /// (class c covers (F(c-1), F(c)]): the draws are sorted first, so the classes come out in ascending
    /// order, as LOCE's. A draw above the last cumulative value (rounding) selects nothing, as in LOCE.
    public static func classes(probabilities: [Double], uniforms: [Double]) -> [Int] {
        let draws = uniforms.sorted()
        var selected: [Int] = []
        var next = 0
        var cumulative = 0.0
        for (c, p) in probabilities.enumerated() where next < draws.count {
            cumulative += p
            while next < draws.count, draws[next] <= cumulative {
                selected.append(c)
                next += 1
            }
        }
        return selected
    }

    /// Slots of one class's memory for the given uniform draws: uniform over the `filled` slots.
    public static func entries(uniforms: [Double], filled: Int) -> [Int] {
        precondition(filled > 0, "MFSSampler.entries: an empty memory has no entries")
        return uniforms.map { min(Int(($0 * Double(filled)).rounded(.down)), filled - 1) }
    }
}
