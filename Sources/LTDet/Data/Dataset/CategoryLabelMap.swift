import LVISKit

/// The correspondence between a file's category ids (sparse: COCO skips ids, LVIS starts at 1)
/// and the contiguous labels 0..<C a classifier uses, in increasing id order as MMDetection and
/// Detectron2 assign them. The background label is C.
public struct CategoryLabelMap: Sendable, Equatable {
    /// Category id of each label.
    public let categoryIDs: [Int]
    /// Category name of each label.
    public let names: [String]
    /// Frequency group of each label, when the file gives one.
    public let frequencies: [LVISDataset.Frequency?]
    private let labelOfID: [Int: Int]

    public init(categories: [(id: Int, name: String, frequency: LVISDataset.Frequency?)]) {
        let sorted = categories.sorted { $0.id < $1.id }
        categoryIDs = sorted.map(\.id)
        names = sorted.map(\.name)
        frequencies = sorted.map(\.frequency)
        labelOfID = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1.id, $0) })
    }

    public var count: Int { categoryIDs.count }
    public var backgroundLabel: Int { count }

    public func label(forCategoryID id: Int) -> Int? { labelOfID[id] }

    public func categoryID(forLabel label: Int) -> Int { categoryIDs[label] }
}
