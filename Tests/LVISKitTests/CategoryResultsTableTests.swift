import Foundation
import Testing

@testable import LVISKit

/// The per-category table: its AP column is lvis-api's per-category number (the fixture's reference values), it
/// is sorted by training frequency, and its CSV reads back to the same table.
@Suite struct CategoryResultsTableTests {
    static func table(_ c: EvaluationTests.Case) throws -> (CategoryResultsTable, EvaluationSummary, LVISDataset) {
        let gt = try LVISDataset.decode(json: c.gt, name: c.name)
        let results = try DetectionResults.decode(json: c.results, name: c.name)
        let summary = try LVISEvaluator(groundTruth: gt, results: results, iouType: c.iouType, style: c.style).evaluate()
        let table = CategoryResultsTable(groundTruth: gt, training: .init(categoryFieldsOf: gt), summaries: [(c.iouType, summary)])
        return (table, summary, gt)
    }

    @Test func apColumnIsTheReferencePerCategoryAP() throws {
        for c in try EvaluationTests.loadCases() {
            let (table, _, gt) = try Self.table(c)
            #expect(table.rows.count == gt.categories.count)
            for row in table.rows {
                let expected = try #require(c.perCategory[row.id], "\(c.name): category \(row.id)")
                #expect(abs(row.ap[c.iouType]! - expected) <= 1e-12, "\(c.name) category \(row.id)")
            }
        }
    }

    @Test func arIsTheMeanRecallOverIoUThresholds() throws {
        for c in try EvaluationTests.loadCases() {
            let (table, summary, _) = try Self.table(c)
            let K = summary.categoryIds.count, A = summary.recallShape[2]
            let M = summary.recallShape.count > 3 ? summary.recallShape[3] : 1
            for row in table.rows {
                let k = summary.categoryIds.firstIndex(of: row.id)!
                let cells = (0..<summary.recallShape[0]).map { summary.recall[(($0 * K + k) * A) * M + M - 1] }.filter { $0 > -1 }
                let expected = cells.isEmpty ? -1 : cells.reduce(0, +) / Double(cells.count)
                #expect(abs(row.ar[c.iouType]! - expected) <= 1e-12, "\(c.name) category \(row.id)")
            }
        }
    }

    @Test func rowsAreSortedByTrainingFrequencyAndTheCSVReadsBack() throws {
        let (table, _, _) = try Self.table(try EvaluationTests.loadCases()[0])
        let counts = table.rows.map { $0.trainImages ?? -1 }
        #expect(counts == counts.sorted(by: >))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ltdet-per-class-\(getpid())").path
        defer {
            try? FileManager.default.removeItem(atPath: path + ".csv")
            try? FileManager.default.removeItem(atPath: path + ".md")
        }
        try table.write(prefix: path)
        let back = try CategoryResultsTable.read(csvFile: path + ".csv")
        #expect(back.rows == table.rows)
        #expect(back.iouTypes == table.iouTypes)
        let markdown = try String(contentsOfFile: path + ".md", encoding: .utf8)
        #expect(markdown.split(separator: "\n").count == table.rows.count + 2)
    }

    @Test func worstClassesAreTheLowestAPOfTheirGroupWithGroundTruth() throws {
        let (table, _, _) = try Self.table(try EvaluationTests.loadCases()[0])
        for group in LVISDataset.Frequency.allCases {
            let worst = table.worst(group: group, count: 2)
            let candidates = table.rows.filter { $0.frequency == group && $0.ap[.bbox]! > -1 }.map { $0.ap[.bbox]! }.sorted()
            #expect(worst.map { $0.ap[.bbox]! } == Array(candidates.prefix(2)))
        }
        #expect(table.worstClassesReport(count: 3).contains("worst rare classes by bbox AP"))
    }

    @Test func trainingCountsFromAnAnnotationFile() throws {
        let gt = try LVISDataset.decode(json: try EvaluationTests.loadCases()[0].gt)
        let counts = CategoryResultsTable.TrainingCounts(training: gt)
        for c in gt.categories {
            let annotations = gt.annotations.filter { $0.categoryId == c.id }
            #expect(counts.instances(of: c.id) == annotations.count)
            #expect(counts.images(of: c.id) == Set(annotations.map(\.imageId)).count)
        }
    }

    @Test func csvErrorsNameTheFileLineAndField() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ltdet-bad-\(getpid()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "id,name,group,train_images,train_instances,AP_bbox,AR_bbox\n3,cat,x,1,1,0.5,0.5\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try CategoryResultsTable.read(csvFile: path) } throws: { error in
            let text = "\(error)"
            return text.contains(path) && text.contains("line 2") && text.contains("group 'x'")
        }
    }

    @Test func namesWithCommasAndQuotesSurviveTheCSV() {
        let name = "bow, \"weapon\""
        #expect(CategoryResultsTable.parseCSVLine("1," + CategoryResultsTable.csvField(name) + ",r") == ["1", name, "r"])
    }
}
