/// `balanced_init:` LOCE's initialisation before its second stage (`InitializerHook` over a
/// `DistributedBalancedSampler`): one forward pass without backward over the first `images_per_class` training
/// images of each class, which fills the feature memory and the mean scores that the first fine-tuning steps
/// sample by.
public struct BalancedInitSection: Codable, Sendable, Equatable {
    public var imagesPerClass = 5

    enum CodingKeys: String, CodingKey { case imagesPerClass = "images_per_class" }

    public init(imagesPerClass: Int = 5) { self.imagesPerClass = imagesPerClass }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imagesPerClass = try c.decodeIfPresent(Int.self, forKey: .imagesPerClass) ?? imagesPerClass
    }
}
