/// The few NumPy computations whose exact rounding the reference evaluators expose.
enum NumpyMath {
    /// `np.linspace(start, stop, num)` (NumPy 1.26): `i * step + start`, the last value set to `stop`.
    static func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        let step = (stop - start) / Double(num - 1)
        var values = (0..<num).map { Double($0) * step + start }
        values[num - 1] = stop
        return values
    }

    /// `np.mean` of a contiguous float64 vector: the reduction runs over buffers of 8192 elements, each summed
    /// pairwise (blocks of 128 with 8 accumulators), the buffer sums added in order, then divided by n.
    static func mean(_ values: [Double]) -> Double {
        var total = 0.0
        values.withUnsafeBufferPointer { v in
            var start = 0
            while start < v.count {
                let n = min(8192, v.count - start)
                total += pairwiseSum(v.baseAddress! + start, n)
                start += n
            }
        }
        return total / Double(values.count)
    }

    private static func pairwiseSum(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 8 {
            var res = 0.0
            for i in 0..<n { res += a[i] }
            return res
        }
        if n <= 128 {
            var r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7]
            var i = 8
            while i < n - (n % 8) {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
                i += 8
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n {
                res += a[i]
                i += 1
            }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwiseSum(a, n2) + pairwiseSum(a + n2, n - n2)
    }

    /// The summaries' rule: the mean of the cells > -1, or -1 when there are none.
    static func meanOfValid(_ values: [Double]) -> Double {
        let valid = values.filter { $0 > -1 }
        return valid.isEmpty ? -1 : mean(valid)
    }
}

/// Maps sparse integer ids (images, categories) to dense indices: a table when the ids are compact,
/// a dictionary otherwise.
struct IdIndex: Sendable {
    private let table: [Int32]
    private let minId: Int
    private let dictionary: [Int: Int]

    /// `ids` sorted and unique; index i is the position in `ids`.
    init(sortedIds ids: [Int]) {
        if let lo = ids.first, let hi = ids.last, hi - lo < max(64 * ids.count, 1 << 20), ids.count < Int(Int32.max) {
            var t = [Int32](repeating: -1, count: hi - lo + 1)
            for (i, id) in ids.enumerated() { t[id - lo] = Int32(i) }
            table = t
            minId = lo
            dictionary = [:]
        } else {
            table = []
            minId = 0
            dictionary = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        }
    }

    @inline(__always) func index(of id: Int) -> Int? {
        if !table.isEmpty {
            let o = id &- minId
            guard o >= 0 && o < table.count else { return nil }
            let v = table[o]
            return v < 0 ? nil : Int(v)
        }
        return dictionary[id]
    }
}
