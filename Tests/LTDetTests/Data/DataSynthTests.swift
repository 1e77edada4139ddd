import Foundation
import LVISKit
import Testing
@testable import LTDet
import TestSupport

@Suite struct DataSynthTests {
    static func generate(_ directory: URL, seed: UInt64 = 5, classes: Int = 12) throws -> SyntheticDatasetGenerator.Output {
        let configuration = SyntheticDatasetGenerator.Configuration(classes: classes, trainImages: 40, valImages: 12, imageSize: 96, seed: seed)
        return try SyntheticDatasetGenerator(configuration).write(to: directory.path)
    }

    static func files(under directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory.path)!
        while let relative = enumerator.nextObject() as? String {
            let url = directory.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = try Data(contentsOf: url)
            }
        }
        return result
    }

    @Test func sameArgumentsGiveIdenticalBytes() throws {
        let a = try temporaryFile("synth"), b = try temporaryFile("synth"), c = try temporaryFile("synth")
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(at: d) } }
        try Self.generate(a)
        try Self.generate(b)
        try Self.generate(c, seed: 6)
        let filesA = try Self.files(under: a), filesB = try Self.files(under: b)
        #expect(filesA.count == 40 + 12 + 2)
        #expect(filesA == filesB)
        #expect(try Self.files(under: c)["annotations/train.json"] != filesA["annotations/train.json"])
    }

    @Test func annotationsDescribeTheImages() throws {
        let directory = try temporaryFile("synth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try Self.generate(directory)
        let train = try LVISDataset.load(path: directory.appendingPathComponent("annotations/train.json").path)
        #expect(train.images.count == output.train.images.count && train.annotations.count == output.train.annotations.count)
        #expect(train.categories.count == 12)
        for category in train.categories {
            #expect(category.frequency != nil)
            let images = Set(train.annotations.filter { $0.categoryId == category.id }.map(\.imageId))
            #expect(category.imageCount == images.count)
        }
        let fromMemory = DatasetStatistics(file: output.train, rfsThreshold: 0.05)
        let fromDisk = DatasetStatistics(groundTruth: train, rfsThreshold: 0.05)
        #expect(fromMemory.imageRepeatFactors == fromDisk.imageRepeatFactors)
        #expect(fromMemory.classes.map(\.frequency) == fromDisk.classes.map(\.frequency))
        let val = try LVISDataset.load(path: directory.appendingPathComponent("annotations/val.json").path)
        #expect(val.hasLVISFields && val.images.count == 12)
        // Every annotated polygon lies inside its image and its box is the polygon's extent.
        let imageByID = Dictionary(uniqueKeysWithValues: output.val.images.map { ($0.id, $0) })
        for a in output.val.annotations {
            let points = [Point2D](flatCoordinates: a.segmentation[0])
            let image = imageByID[a.imageID]!
            #expect(points.allSatisfy { $0.x >= 0 && $0.y >= 0 && $0.x <= Double(image.width) && $0.y <= Double(image.height) })
            #expect(abs(points.map(\.x).min()! - a.bbox[0]) < 1e-9)
            #expect(min(a.bbox[2], a.bbox[3]) >= 15.9)
        }
        #expect(output.val.images.contains { !$0.negCategoryIDs.isEmpty })
    }

    @Test func catalogHasConfusablePairsAndLongTail() {
        let catalog = SyntheticClassCatalog(classCount: 40, trainImages: 1000, classesPerImage: 2.5, seed: 1)
        #expect(Set(catalog.classes.map(\.name)).count == 40)
        let pairs = catalog.classes.filter { $0.confusableWith != nil }
        #expect(pairs.count == 20)
        for c in pairs {
            let twin = catalog.classes[c.confusableWith! - 1]
            #expect(twin.confusableWith == c.id && twin.shape == c.shape && twin.pattern == c.pattern && twin.color != c.color)
        }
        let counts = catalog.trainImageCounts.sorted(by: >)
        #expect(counts.first! >= 100 * counts.last!)
        let groups = catalog.trainImageCounts.map { catalog.frequencyGroup(trainImageCount: $0) }
        for group in LVISDataset.Frequency.allCases { #expect(groups.filter { $0 == group }.count >= 8) }
    }
}
