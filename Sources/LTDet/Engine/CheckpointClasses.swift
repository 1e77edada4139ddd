import Foundation
import LVISKit

/// The classes a detector was trained on, kept in the metadata of its checkpoints as mmdet keeps `meta.CLASSES`,
/// so that tools (the PCB confusion heatmap, `ltdet predict`, `ltdet export`) name and group classes without the
/// annotation file. Each is a JSON array in label order: `class_names`, `category_ids`, `class_groups` (LVIS
/// "r"/"c"/"f", null where the file has none) and `class_frequency` (training images holding the class, what
/// RFS counts). Checkpoints written before these fields read back without them (`nil`).
public struct CheckpointClasses: Sendable, Equatable {
    public var names: [String]
    public var categoryIDs: [Int]
    public var groups: [LVISDataset.Frequency?]
    public var trainingImages: [Int]

    public init(names: [String], categoryIDs: [Int], groups: [LVISDataset.Frequency?], trainingImages: [Int]) {
        self.names = names
        self.categoryIDs = categoryIDs
        self.groups = groups
        self.trainingImages = trainingImages
    }

    /// The classes of a training set, with the images of that set holding each.
    public init(trainingSet dataset: InstanceDataset) {
        var images = [Int](repeating: 0, count: dataset.labels.count)
        for ids in dataset.imageCategories {
            for id in Set(ids) { if let label = dataset.labels.label(forCategoryID: id) { images[label] += 1 } }
        }
        self.init(
            names: dataset.labels.names, categoryIDs: dataset.labels.categoryIDs, groups: dataset.labels.frequencies,
            trainingImages: images)
    }

    public var count: Int { names.count }

    /// As an annotation file's categories (id, name, frequency group, image count).
    public var categories: [LVISDataset.Category] {
        (0..<count).map {
            LVISDataset.Category(id: categoryIDs[$0], name: names[$0], frequency: groups[$0], imageCount: trainingImages[$0])
        }
    }

    static let keys = (names: "class_names", ids: "category_ids", groups: "class_groups", frequency: "class_frequency")

    /// The safetensors metadata entries.
    public var metadata: [String: String] {
        func json(_ value: Any) -> String {
            // Arrays of strings, numbers and nulls always serialise.
            String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.withoutEscapingSlashes]), as: UTF8.self)
        }
        return [
            Self.keys.names: json(names), Self.keys.ids: json(categoryIDs),
            Self.keys.groups: json(groups.map { $0.map { $0.rawValue as Any } ?? NSNull() }),
            Self.keys.frequency: json(trainingImages),
        ]
    }

    /// The classes in a checkpoint's metadata; nil when it has none (written before they were stored). `file`
    /// names the checkpoint in the error for a field that is there but malformed.
    public init?(metadata: [String: String], file: String) throws {
        guard let namesText = metadata[Self.keys.names] else { return nil }
        func array(_ key: String, _ text: String?) throws -> [Any] {
            guard let text, let data = text.data(using: .utf8),
                let array = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [Any]
            else {
                throw CheckpointClassesError("\(file): metadata '\(key)' is not a JSON array: \(String((text ?? "<absent>").prefix(80)))")
            }
            return array
        }
        let rawNames = try array(Self.keys.names, namesText)
        let rawIDs = try array(Self.keys.ids, metadata[Self.keys.ids])
        let rawGroups = try array(Self.keys.groups, metadata[Self.keys.groups])
        let rawImages = try array(Self.keys.frequency, metadata[Self.keys.frequency])
        for (key, values) in [(Self.keys.ids, rawIDs), (Self.keys.groups, rawGroups), (Self.keys.frequency, rawImages)]
        where values.count != rawNames.count {
            throw CheckpointClassesError("\(file): metadata '\(key)' has \(values.count) entries, 'class_names' \(rawNames.count)")
        }
        func element<T>(_ key: String, _ index: Int, _ value: Any, as: T.Type) throws -> T {
            guard let typed = value as? T else {
                throw CheckpointClassesError("\(file): metadata '\(key)'[\(index)] is \(value), not a \(T.self)")
            }
            return typed
        }
        names = try rawNames.enumerated().map { try element(Self.keys.names, $0, $1, as: String.self) }
        categoryIDs = try rawIDs.enumerated().map { try element(Self.keys.ids, $0, $1, as: Int.self) }
        trainingImages = try rawImages.enumerated().map { try element(Self.keys.frequency, $0, $1, as: Int.self) }
        groups = try rawGroups.enumerated().map { i, value in
            if value is NSNull { return nil }
            let letter = try element(Self.keys.groups, i, value, as: String.self)
            guard let group = LVISDataset.Frequency(rawValue: letter) else {
                throw CheckpointClassesError("\(file): metadata '\(Self.keys.groups)'[\(i)] is '\(letter)', not r, c, f or null")
            }
            return group
        }
    }
}

public struct CheckpointClassesError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
