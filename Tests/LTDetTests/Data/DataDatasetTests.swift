import Foundation
import LVISKit
import Testing
@testable import LTDet

@Suite struct DataDatasetTests {
    /// ../shared/data beside the repository (present in CI and in the development checkout).
    static var sharedLVISSubset: String? {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = repository.deletingLastPathComponent().appendingPathComponent("shared/data/lvis/lvis_v0.5_val_100.json").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    @Test func readsRealLVISGroundTruth() throws {
        guard let path = Self.sharedLVISSubset else { return }
        let all = try InstanceDataset(annotationFile: path, options: .init(imageRoot: "/coco", pathConvention: .fileName))
        let training = try InstanceDataset(annotationFile: path, options: .init(imageRoot: "/coco", dropImagesWithoutAnnotations: true))
        #expect(all.count == 100)
        #expect(training.count == 93)
        #expect(all.labels.count == 1230)
        #expect(all.labels.categoryID(forLabel: 0) == 1 && all.labels.label(forCategoryID: 1230) == 1229)
        #expect(all.images.map(\.instances.count).reduce(0, +) == 977)
        #expect(all.images[0].path.hasPrefix("/coco/"))
        let instance = training.images[0].instances[0]
        guard case .polygons(let parts)? = instance.mask else { Issue.record("expected polygons"); return }
        let xs = parts.flatMap { $0.map(\.x) }
        #expect(xs.min()! >= instance.box.x0 - 1 && xs.max()! <= instance.box.x1 + 1)
    }

    @Test func readsRealCOCOGroundTruthWithoutCrowds() throws {
        guard let lvis = Self.sharedLVISSubset else { return }
        let path = URL(fileURLWithPath: lvis).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("coco/instances_val2014_100.json").path
        let dataset = try InstanceDataset(annotationFile: path, options: .init(imageRoot: "/coco"))
        #expect(dataset.count == 100 && dataset.labels.count == 80)
        #expect(dataset.labels.label(forCategoryID: 90) == 79 && dataset.labels.label(forCategoryID: 12) == nil)
        #expect(dataset.images.map(\.instances.count).reduce(0, +) == 830)
        #expect(dataset.images[0].path.hasPrefix("/coco/val2014/COCO_val2014_"))
    }

    @Test func pathConventions() {
        let url = "http://images.cocodataset.org/train2017/000000391895.jpg"
        #expect(ImagePathConvention.cocoURL.relativePath(fileName: nil, cocoURL: url) == "train2017/000000391895.jpg")
        #expect(ImagePathConvention.automatic.relativePath(fileName: "a.jpg", cocoURL: nil) == "a.jpg")
        #expect(ImagePathConvention.fileName.relativePath(fileName: "a.jpg", cocoURL: url) == "a.jpg")
    }

    @Test func uncompressedRLEAndCrowdHandling() throws {
        // 3x2 image (h=2, w=3); column-major runs: 1 background, 3 foreground, 2 background.
        let rle = LVISDataset.Segmentation.rle(try RLE(height: 2, width: 3, counts: [1, 3, 2]))
        let groundTruth = LVISDataset(
            images: [.init(id: 1, fileName: "x.png", height: 2, width: 3)],
            categories: [.init(id: 5, name: "a"), .init(id: 2, name: "b")],
            annotations: [
                .init(id: 1, imageId: 1, categoryId: 5, bbox: [0, 0, 2, 2], area: 3, segmentation: rle),
                .init(id: 2, imageId: 1, categoryId: 2, bbox: [0, 0, 3, 2], area: 6, segmentation: rle, iscrowd: true),
            ])
        let dataset = try InstanceDataset(groundTruth: groundTruth, options: .init(imageRoot: "/r"))
        #expect(dataset.images[0].instances.count == 1)
        #expect(dataset.images[0].instances[0].label == 1)
        guard case .bitmap(let mask)? = dataset.images[0].instances[0].mask else { Issue.record("expected bitmap"); return }
        #expect(mask.values == [0, 1, 0, 1, 1, 0])
    }
}

@Suite struct DataMaskTests {
    /// Training masks are rasterised as pycocotools does (through LVISKit): the polygon's pixels
    /// agree with RLE(polygons:) decoded, and the area is close to the shoelace area.
    @Test func polygonMasksMatchPycocotoolsRasterisation() throws {
        let outline = SyntheticShape.star.outline(center: Point2D(30, 25), radius: 18, aspect: 1.1, rotation: 0.2)
        let mask = InstanceMask.polygons([outline]).rasterized(width: 64, height: 48)
        let rle = try RLE(polygons: [outline.flatCoordinates], height: 48, width: 64)
        let columnMajor = rle.decode()
        for y in 0 ..< 48 { for x in 0 ..< 64 { #expect(mask.values[y * 64 + x] == columnMajor[x * 48 + y]) } }
        #expect(mask.area == rle.area)
    }
}
