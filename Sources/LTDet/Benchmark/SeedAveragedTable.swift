import LVISKit

/// One method's per-class table averaged over its seeds (the plots of the benchmark report): every seed ran on the
/// same data, so the rows agree on classes, groups and training counts and only AP and AR differ.
public enum SeedAveragedTable {
    /// The per-class mean of AP and AR over `tables`; a class whose value is -1 (no ground truth) in any table
    /// keeps -1. Only the IoU types every table has.
    public static func average(_ tables: [CategoryResultsTable]) throws -> CategoryResultsTable {
        guard let first = tables.first else { throw BenchmarkError("no per-class table to average") }
        let types = first.iouTypes.filter { type in tables.allSatisfy { $0.iouTypes.contains(type) } }
        let ids = first.rows.map(\.id)
        for table in tables.dropFirst() where table.rows.map(\.id) != ids {
            throw BenchmarkError("per-class tables of one method list different classes: were the seeds run on different data?")
        }
        func mean(_ values: [Double]) -> Double {
            values.contains { $0 <= -1 || !$0.isFinite } ? -1 : values.reduce(0, +) / Double(values.count)
        }
        let rows = first.rows.enumerated().map { index, row in
            var averaged = row
            averaged.ap = [:]
            averaged.ar = [:]
            for type in types {
                averaged.ap[type] = mean(tables.map { $0.rows[index].ap[type] ?? -1 })
                averaged.ar[type] = mean(tables.map { $0.rows[index].ar[type] ?? -1 })
            }
            return averaged
        }
        return CategoryResultsTable(iouTypes: types, rows: rows)
    }
}
