import Foundation
import LVISKit
import Testing
import Torch

@testable import LTDet
import TestSupport

/// The classes a model was trained on travel in its checkpoints (`CheckpointClasses`); checkpoints without them
/// still load, and malformed ones are errors naming the file and the field.
@Suite struct CheckpointClassesTests {
    let classes = CheckpointClasses(
        names: ["apple", "bus/van", "zebra"], categoryIDs: [3, 7, 12], groups: [.frequent, nil, .rare], trainingImages: [40, 9, 1])

    func checkpoint(classes: CheckpointClasses?) throws -> Checkpoint {
        Checkpoint(
            model: ["w": try Tensor([1, 2] as [Float])], optimizer: [:], method: [:], state: TrainerState(iteration: 3),
            classes: classes)
    }

    @Test func classesRoundTripAndOldCheckpointsHaveNone() throws {
        let dir = try temporaryDirectory()
        let with = try checkpoint(classes: classes).write(directory: dir, name: "iter_3")
        let read = try Checkpoint.read(with)
        #expect(read.classes == classes)
        #expect(read.classes?.categories.map(\.frequency) == [.frequent, nil, .rare])
        let old = try checkpoint(classes: nil).write(directory: dir, name: "iter_4_old")
        #expect(try Checkpoint.read(old).classes == nil)
        #expect(try Checkpoint.read(old).model["w"]?.toArray(Float.self) == [1, 2])

        // mmdet's exported checkpoint names its classes in meta.CLASSES.
        let export = dir.appendingPathComponent("export.pth")
        try CheckpointExport.write(read, format: .mmdet, to: export)
        guard case .tuple(let names)? = try PyTorchFile(contentsOf: export).root["meta"]?["CLASSES"] else {
            Issue.record("meta.CLASSES is missing from the export")
            return
        }
        #expect(names.map { if case .string(let s) = $0 { s } else { "" } } == classes.names)
    }

    @Test func malformedClassMetadataNamesTheFileAndField() throws {
        let dir = try temporaryDirectory()
        let good = classes.metadata
        let cases: [(String, String, String)] = [
            ("class_groups", #"["f", "x", "r"]"#, "'class_groups'[1]"),
            ("category_ids", "[3, 7]", "'category_ids' has 2 entries"),
            ("class_frequency", "not json", "'class_frequency' is not a JSON array"),
            ("class_names", #"["a", 5, "c"]"#, "'class_names'[1]"),
        ]
        for (key, value, message) in cases {
            let url = dir.appendingPathComponent("\(key).safetensors")
            var metadata = good
            metadata[key] = value
            try Safetensors.save(["model.w": try Tensor([1] as [Float])], metadata: metadata, to: url)
            #expect { try Checkpoint.read(url) } throws: { "\($0)".contains(url.path) && "\($0)".contains(message) }
        }
    }
}
