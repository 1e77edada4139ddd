/// One image of an instance dataset with its annotations, in file coordinates.
public struct DatasetImage: Sendable {
    public let id: Int
    public let path: String
    public let width: Int
    public let height: Int
    public let instances: [DatasetInstance]
    /// The category id of every annotation of the image, including those that are not targets (crowds, boxes
    /// the training filter leaves out): what mmdet's samplers count.
    public let annotatedCategoryIDs: [Int]

    public init(id: Int, path: String, width: Int, height: Int, instances: [DatasetInstance], annotatedCategoryIDs: [Int] = []) {
        self.id = id
        self.path = path
        self.width = width
        self.height = height
        self.instances = instances
        self.annotatedCategoryIDs = annotatedCategoryIDs
    }
}

/// One annotated object: contiguous label, box and mask in the original image's pixels.
public struct DatasetInstance: Sendable {
    public let label: Int
    public let box: BoundingBox
    public let mask: InstanceMask?
    /// The annotation it came from (nil for instances made in memory).
    public let annotationID: Int?

    public init(label: Int, box: BoundingBox, mask: InstanceMask?, annotationID: Int? = nil) {
        self.label = label
        self.box = box
        self.mask = mask
        self.annotationID = annotationID
    }
}
