import Foundation
import LVISKit

/// The per-category table of an evaluation (`CategoryResultsTable`), written as per_class.csv and per_class.md
/// in the run's directory after every evaluation (training's, `ltdet test`'s), so that the newest one describes
/// the run and `ltdet compare` finds it.
public enum PerClassReport {
    public static let stem = "per_class"
    /// Worst classes printed per frequency group.
    public static let worstPerGroup = 5

    /// Training counts come from the ground truth's LVIS category fields (image_count, instance_count: counted
    /// on the training set) and, without them, from the training annotation file when it exists.
    @discardableResult
    public static func write(
        summaries: [(IoUType, EvaluationSummary)], groundTruthPath: String, trainingAnnotationPath: String?,
        directory: URL
    ) throws -> CategoryResultsTable {
        let groundTruth = try LVISDataset.load(path: groundTruthPath)
        var training = CategoryResultsTable.TrainingCounts(categoryFieldsOf: groundTruth)
        if training == nil, let path = trainingAnnotationPath, FileManager.default.fileExists(atPath: path) {
            training = CategoryResultsTable.TrainingCounts(training: try LVISDataset.load(path: path))
        }
        let table = CategoryResultsTable(groundTruth: groundTruth, training: training, summaries: summaries)
        let paths = try table.write(prefix: directory.appendingPathComponent(stem).path)
        print(table.worstClassesReport(count: worstPerGroup))
        print("per-class table: \(paths.csv), \(paths.markdown)")
        return table
    }
}
