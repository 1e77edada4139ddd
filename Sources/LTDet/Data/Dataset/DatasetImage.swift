/// One image of an instance dataset with its annotations, in file coordinates.
public struct DatasetImage: Sendable {
    public let id: Int
    public let path: String
    public let width: Int
    public let height: Int
    public let instances: [DatasetInstance]
}

/// One annotated object: contiguous label, box and mask in the original image's pixels.
public struct DatasetInstance: Sendable {
    public let label: Int
    public let box: BoundingBox
    public let mask: InstanceMask?
}
