import Foundation
import AtomicFileIO

/// Writes a synthetic long-tailed instance segmentation set in LVIS format:
///
///     DIR/annotations/train.json, DIR/annotations/val.json
///     DIR/images/train/000000000001.jpg, ..., DIR/images/val/...
///
/// Training class frequencies follow LVIS v1 (`SyntheticClassCatalog`); validation is near
/// balanced (every class in about the same number of images) with LVIS's federated labels: each
/// image lists up to three verified-absent classes (`neg_category_ids`), and in about 15% of the
/// cases where a class appears more than once one instance is left unannotated and the class is
/// listed in `not_exhaustive_category_ids`. Every random choice comes from `SplitMix64` seeded by
/// the arguments, and images are generated independently of thread scheduling, so the same
/// configuration always gives byte-identical files.
public struct SyntheticDatasetGenerator: Sendable {
    public struct Configuration: Sendable {
        public var classes: Int
        public var trainImages: Int
        public var valImages: Int
        public var imageSize: Int
        public var seed: UInt64
        public var imageFormat: ImageFormat = .jpeg
        /// Average number of distinct classes per image.
        public var classesPerImage: Double = 2.5

        public init(classes: Int, trainImages: Int, valImages: Int, imageSize: Int, seed: UInt64) {
            self.classes = classes
            self.trainImages = trainImages
            self.valImages = valImages
            self.imageSize = imageSize
            self.seed = seed
        }
    }

    public enum ImageFormat: String, Sendable { case jpeg = "jpg", png }

    public let configuration: Configuration
    public let catalog: SyntheticClassCatalog

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        catalog = SyntheticClassCatalog(classCount: configuration.classes, trainImages: configuration.trainImages,
                                        classesPerImage: configuration.classesPerImage, seed: configuration.seed)
    }

    /// Both splits' annotation contents, returned after the files are written.
    public struct Output: Sendable {
        public let train: LVISGroundTruthFile
        public let val: LVISGroundTruthFile
    }

    @discardableResult
    public func write(to directory: String) throws -> Output {
        let c = configuration
        let valPerClass = max(1, Int((Double(c.valImages) * c.classesPerImage / Double(c.classes)).rounded()))
        let valCounts = [Int](repeating: min(valPerClass, c.valImages), count: c.classes)
        var trainSplit = try writeSplit("train", imageCount: c.trainImages, classImageCounts: catalog.trainImageCounts,
                                        firstImageID: 1, federated: false, directory: directory)
        let valSplit = try writeSplit("val", imageCount: c.valImages, classImageCounts: valCounts,
                                      firstImageID: c.trainImages + 1, federated: true, directory: directory)

        // Category metadata comes from the realised training annotations, so image_count and the
        // frequency group describe the files exactly, even when an object did not fit.
        var imagesPerClass = [Int: Set<Int>](), instancesPerClass = [Int: Int]()
        for a in trainSplit.annotations {
            imagesPerClass[a.categoryID, default: []].insert(a.imageID)
            instancesPerClass[a.categoryID, default: 0] += 1
        }
        let categories = catalog.classes.map { k -> LVISGroundTruthFile.Category in
            let imageCount = imagesPerClass[k.id]?.count ?? 0
            let twin = k.confusableWith.map { " Confusable with category \($0)." } ?? ""
            return LVISGroundTruthFile.Category(
                id: k.id, name: k.name, frequency: catalog.frequencyGroup(trainImageCount: imageCount).rawValue,
                imageCount: imageCount, instanceCount: instancesPerClass[k.id] ?? 0, synset: "\(k.name).n.01",
                synonyms: [k.name], definition: "a \(k.colorName) \(k.pattern.rawValue) \(k.shape.rawValue).\(twin)")
        }
        trainSplit.categories = categories
        var val = valSplit
        val.categories = categories
        let annotationDirectory = URL(fileURLWithPath: directory).appendingPathComponent("annotations")
        try AtomicFile.write(try trainSplit.jsonData(), to: annotationDirectory.appendingPathComponent("train.json"))
        try AtomicFile.write(try val.jsonData(), to: annotationDirectory.appendingPathComponent("val.json"))
        return Output(train: trainSplit, val: val)
    }

    private func writeSplit(_ split: String, imageCount: Int, classImageCounts: [Int], firstImageID: Int,
                            federated: Bool, directory: String) throws -> LVISGroundTruthFile {
        let c = configuration
        let splitKey: UInt64 = federated ? 2 : 1
        let plan = SyntheticDatasetGenerator.assignClasses(imageCount: imageCount, classImageCounts: classImageCounts,
                                                            generator: SplitMix64(seed: c.seed, splitKey, 0x9A1))
        let imageDirectory = ((directory as NSString).appendingPathComponent("images") as NSString).appendingPathComponent(split)
        try FileManager.default.createDirectory(atPath: imageDirectory, withIntermediateDirectories: true)

        let results = OrderedResults<(LVISGroundTruthFile.Image, [SyntheticInstance])>(count: imageCount)
        let errors = OrderedResults<Error>(count: imageCount)
        DispatchQueue.concurrentPerform(iterations: imageCount) { index in
            do {
                results[index] = try makeImage(index: index, imageID: firstImageID + index, classIDs: plan[index],
                                               federated: federated, splitKey: splitKey, imageDirectory: imageDirectory, split: split)
            } catch {
                errors[index] = error
            }
        }
        if let error = errors.values.compactMap({ $0 }).first { throw error }

        var images: [LVISGroundTruthFile.Image] = [], annotations: [LVISGroundTruthFile.Annotation] = []
        for case let (entry, instances)? in results.values {
            images.append(entry)
            for instance in instances where instance.annotated {
                annotations.append(LVISGroundTruthFile.Annotation(
                    id: annotations.count + 1, imageID: entry.id, categoryID: instance.categoryID, bbox: instance.bbox,
                    area: instance.area, segmentation: [instance.outline.flatCoordinates], isCrowd: 0))
            }
        }
        return LVISGroundTruthFile(images: images, categories: [], annotations: annotations)
    }

    private func makeImage(index: Int, imageID: Int, classIDs: [Int], federated: Bool, splitKey: UInt64,
                           imageDirectory: String, split: String) throws -> (LVISGroundTruthFile.Image, [SyntheticInstance]) {
        let c = configuration
        var generator = SplitMix64(seed: c.seed, splitKey, UInt64(index))
        let scene = SyntheticScene(size: c.imageSize, classes: classIDs.map { catalog.classes[$0 - 1] }, generator: &generator)
        var instances = scene.instances

        var notExhaustive: [Int] = []
        if federated {
            for id in Set(instances.map(\.categoryID)).sorted() {
                let positions = instances.indices.filter { instances[$0].categoryID == id }
                if positions.count >= 2, generator.nextUnit() < 0.15 {
                    instances[positions.last!].annotated = false
                    notExhaustive.append(id)
                }
            }
        }
        let present = Set(instances.map(\.categoryID))
        var absent = (1 ... c.classes).filter { !present.contains($0) }
        absent.deterministicShuffle(using: &generator)
        let negatives = Array(absent.prefix(3)).sorted()

        let fileName = String(format: "%012d.%@", imageID, c.imageFormat.rawValue)
        try ImageFile.write(scene.image, to: (imageDirectory as NSString).appendingPathComponent(fileName), jpegQuality: 90)
        let entry = LVISGroundTruthFile.Image(
            id: imageID, width: c.imageSize, height: c.imageSize, fileName: fileName,
            cocoURL: "http://synthetic.ltdet.invalid/\(split)/\(fileName)", negCategoryIDs: negatives,
            notExhaustiveCategoryIDs: notExhaustive)
        return (entry, instances)
    }

    /// Which classes each image shows: every class goes to exactly its target number of images,
    /// the least loaded ones first (ties broken at random), so images carry similar numbers of
    /// classes. Returns 1-based class ids per image.
    static func assignClasses(imageCount: Int, classImageCounts: [Int], generator: SplitMix64) -> [[Int]] {
        var generator = generator
        var plan = [[Int]](repeating: [], count: imageCount)
        guard imageCount > 0 else { return plan }
        let classOrder = classImageCounts.indices.sorted { (classImageCounts[$0], -$0) > (classImageCounts[$1], -$1) }
        for classIndex in classOrder {
            let tieBreak = (0 ..< imageCount).map { _ in generator.next() }
            let chosen = (0 ..< imageCount).sorted { (plan[$0].count, tieBreak[$0]) < (plan[$1].count, tieBreak[$1]) }
                .prefix(min(classImageCounts[classIndex], imageCount))
            for image in chosen { plan[image].append(classIndex + 1) }
        }
        return plan
    }
}
