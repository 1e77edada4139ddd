import Foundation
import Testing
@testable import LTDet
import TestSupport

@Suite struct VisualizationOverlayTests {
    /// Draws the ground truth of a generated synthetic image; LTDET_KEEP_PLOTS=DIR keeps the PNG.
    @Test func groundTruthOverlayOfASyntheticImage() throws {
        let directory = try temporaryFile("synth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = SyntheticDatasetGenerator.Configuration(classes: 10, trainImages: 4, valImages: 1, imageSize: 128, seed: 3)
        try SyntheticDatasetGenerator(configuration).write(to: directory.path)
        let dataset = try InstanceDataset(annotationFile: directory.appendingPathComponent("annotations/train.json").path,
                                          options: .init(imageRoot: directory.appendingPathComponent("images").path))
        let item = dataset.images[0]
        let image = try ImageFile.read(item.path)
        let instances = item.instances.map { instance in
            InstanceOverlay.Instance(box: instance.box, label: dataset.labels.names[instance.label], score: 0.9,
                                     mask: instance.mask?.rasterized(width: image.width, height: image.height))
        }
        let canvas = try InstanceOverlay(enlargement: 3).render(instances, on: image)
        #expect(canvas.width == 384 && canvas.height == 384)
        let box = item.instances[0].box.scaled(x: 3, y: 3)
        #expect(canvas.pixel(x: Int(box.x0) + 1, y: Int((box.y0 + box.y1) / 2)) == InstanceOverlay.color(for: dataset.labels.names[item.instances[0].label]))
        if let keep = ProcessInfo.processInfo.environment["LTDET_KEEP_PLOTS"] {
            try canvas.write(to: keep + "/overlay.png")
        }
    }
}
