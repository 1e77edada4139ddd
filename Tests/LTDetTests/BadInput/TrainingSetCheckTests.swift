import Foundation
import LVISKit
import Testing

@testable import LTDet

/// Training sets that used to "train" for 0 iterations, or give wrong or non-finite targets that failed far
/// from their cause, are errors when the training set is loaded, naming the file, the annotation and the field.
@Suite struct TrainingSetCheckTests {
    static let square: [Double] = [10, 10, 30, 10, 30, 30, 10, 30]

    func dataset(_ annotations: [LVISDataset.Annotation]) -> LVISDataset {
        LVISDataset(
            images: [.init(id: 1, fileName: "a.jpg", height: 64, width: 80)],
            categories: [.init(id: 1, name: "thing")], annotations: annotations)
    }

    func annotation(id: Int = 7, bbox: [Double] = [10, 10, 20, 20], segmentation: LVISDataset.Segmentation? = nil,
                    iscrowd: Bool = false) -> LVISDataset.Annotation {
        .init(id: id, imageId: 1, categoryId: 1, bbox: bbox, area: 400, segmentation: segmentation ?? .polygons([Self.square]),
              iscrowd: iscrowd)
    }

    func load(_ groundTruth: LVISDataset, training: Bool = true) throws -> InstanceDataset {
        try InstanceDataset(
            groundTruth: groundTruth, annotationPath: "train.json",
            options: .init(imageRoot: "/nowhere", dropImagesWithoutAnnotations: true, checkForTraining: training))
    }

    func expectError(_ groundTruth: LVISDataset, _ fragments: [String]) {
        do {
            _ = try load(groundTruth)
            Issue.record("accepted; expected an error mentioning \(fragments)")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("train.json: "), "\(text)")
            for f in fragments { #expect(text.contains(f), "'\(f)' missing from: \(text)") }
        }
    }

    @Test func nothingToTrainOnIsAnError() {
        expectError(dataset([]), ["no annotation is usable", "0 annotations"])
        expectError(dataset([annotation(iscrowd: true), annotation(id: 8, iscrowd: true)]), ["2 crowd"])
        expectError(dataset([annotation(bbox: [10, 10, 0, 20]), annotation(id: 8, bbox: [1, 1, 5, 0])]),
                    ["2 with zero width or height"])
    }

    @Test func nonFiniteBoxIsAnError() {
        expectError(dataset([annotation(bbox: [.nan, 10, 20, 20])]), ["annotation 7", "'bbox'", "nan"])
        expectError(dataset([annotation(bbox: [10, 10, .infinity, 20])]), ["annotation 7", "'bbox'", "inf"])
    }

    /// A box outside its image is dropped as mmdet drops it; a set of nothing else has nothing to train on.
    @Test func setOfBoxesOutsideTheirImageHasNothingToTrainOn() {
        expectError(dataset([annotation(bbox: [100, 10, 20, 20])]), ["no annotation is usable", "1 outside their image"])
    }

    @Test func degenerateOrNonFinitePolygonIsAnError() {
        expectError(dataset([annotation(segmentation: .polygons([[10, 10, 30, 10]]))]),
                    ["annotation 7", "segmentation[0]", "at least 3"])
        expectError(dataset([annotation(segmentation: .polygons([Self.square, [10, 10, 30, .nan, 20, 20]]))]),
                    ["annotation 7", "segmentation[1]", "nan"])
    }

    @Test func maskOfTheWrongSizeIsAnError() {
        let rle = RLE(box: [10, 10, 20, 20], height: 32, width: 32)
        expectError(dataset([annotation(segmentation: .rle(rle))]), ["annotation 7", "segmentation.size", "[32, 32]", "[64, 80]"])
    }

    /// Under `data.error_policy: skip` each invalid annotation is left out and listed with why, the valid ones
    /// stay targets, and their categories still count for the samplers (mmdet's `get_cat_ids`).
    @Test func invalidAnnotationsAreSkippedAndListedUnderSkip() throws {
        let wrongSize = RLE(box: [10, 10, 20, 20], height: 32, width: 32)
        let groundTruth = dataset([
            annotation(id: 1, bbox: [.nan, 10, 20, 20]),
            annotation(id: 2, segmentation: .polygons([[10, 10, 30, 10]])),
            annotation(id: 3, segmentation: .polygons([Self.square, [10, 10, 30, .nan, 20, 20]])),
            annotation(id: 4, segmentation: .rle(wrongSize)),
            annotation(id: 5),
        ])
        let loaded = try InstanceDataset(
            groundTruth: groundTruth, annotationPath: "train.json",
            options: .init(imageRoot: "/nowhere", checkForTraining: true, skipInvalidAnnotations: true))
        #expect(loaded.images.first?.instances.map(\.annotationID) == [5])
        #expect(loaded.images.first?.annotatedCategoryIDs.count == 5)
        let reasons = loaded.skippedAnnotations.map { "\($0)" }
        #expect(reasons.count == 4)
        for (reason, fragments) in zip(reasons, [
            ["annotation 1", "'bbox'", "nan"], ["annotation 2", "at least 3"], ["annotation 3", "segmentation[1]", "nan"],
            ["annotation 4", "segmentation.size", "[32, 32]"],
        ]) {
            for f in fragments { #expect(reason.contains(f), "'\(f)' missing from: \(reason)") }
        }

        // Nothing valid left is still an error, which counts the skipped.
        do {
            _ = try InstanceDataset(
                groundTruth: dataset([annotation(id: 1, bbox: [.nan, 10, 20, 20])]), annotationPath: "train.json",
                options: .init(imageRoot: "/nowhere", checkForTraining: true, skipInvalidAnnotations: true))
            Issue.record("a set of only invalid annotations loaded")
        } catch {
            #expect("\(error)".contains("1 invalid and skipped"), "\(error)")
        }
    }

    /// `poly2mask: false` makes outline targets: an RLE target is an error naming it (mmdet would read the RLE's
    /// keys as polygons), or skipped under `skip`.
    @Test func rleTargetWithOutlineMasksIsAnErrorOrSkipped() throws {
        let rle = RLE(box: [10, 10, 20, 20], height: 64, width: 80)
        let groundTruth = dataset([annotation(id: 4, segmentation: .rle(rle)), annotation(id: 5)])
        do {
            _ = try InstanceDataset(
                groundTruth: groundTruth, annotationPath: "train.json",
                options: .init(imageRoot: "/nowhere", checkForTraining: true, masksAsOutlines: true))
            Issue.record("an RLE target loaded for outline masks")
        } catch {
            for f in ["train.json: annotation 4", "'segmentation'", "poly2mask"] { #expect("\(error)".contains(f), "\(error)") }
        }
        let skipping = try InstanceDataset(
            groundTruth: groundTruth, annotationPath: "train.json",
            options: .init(imageRoot: "/nowhere", checkForTraining: true, skipInvalidAnnotations: true, masksAsOutlines: true))
        #expect(skipping.images.first?.instances.map(\.annotationID) == [5])
        #expect(skipping.skippedAnnotations.count == 1)
        // The bitmap path takes the same RLE.
        #expect(try load(groundTruth).images.first?.instances.count == 2)
    }

    /// Evaluation reads only what lvis-api reads, so the same file still loads as a validation set.
    @Test func validationSetsAreNotChecked() throws {
        #expect(try load(dataset([annotation(bbox: [.nan, 10, 20, 20])]), training: false).count == 1)
        #expect(try load(dataset([annotation()])).images.first?.instances.count == 1)
    }
}

/// `ltdet viz` (and any split) reads RLEs into pixels: one whose size is not its image's is an error before
/// decoding, not minutes and gigabytes (60000 x 60000; masks over 2^32 pixels are rejected when read).
@Suite struct MaskSizeTests {
    @Test func hugeRLEIsRejectedBeforeDecoding() throws {
        let rle = try RLE(height: 60_000, width: 60_000, counts: [UInt32(60_000 * 60_000 - 1), 1])
        let groundTruth = LVISDataset(
            images: [.init(id: 1, fileName: "a.jpg", height: 64, width: 80)], categories: [.init(id: 1, name: "thing")],
            annotations: [.init(id: 9, imageId: 1, categoryId: 1, bbox: [1, 1, 5, 5], area: 1, segmentation: .rle(rle))])
        let clock = ContinuousClock()
        var thrown: Error?
        let elapsed = clock.measure {
            do { _ = try InstanceDataset(groundTruth: groundTruth, annotationPath: "val.json", options: .init(imageRoot: "/x")) }
            catch { thrown = error }
        }
        #expect("\(thrown.map { "\($0)" } ?? "accepted")".contains("val.json: annotation 9: 'segmentation.size' [60000, 60000]"))
        #expect(elapsed < .seconds(1))
    }
}
