/// LVIS's frequency groups: rare (r), common (c) and frequent (f) categories, by the number of
/// training images that contain them.
public enum FrequencyGroup: String, CaseIterable, Codable, Sendable {
    case rare = "r"
    case common = "c"
    case frequent = "f"

    /// The LVIS rule: r when at most 10 training images contain the category, c for 11 to 100,
    /// f above 100.
    public static func lvis(imageCount: Int) -> FrequencyGroup {
        group(imageCount: Double(imageCount), rareMax: 10, commonMax: 100)
    }

    public static func group(imageCount: Double, rareMax: Double, commonMax: Double) -> FrequencyGroup {
        imageCount <= rareMax ? .rare : imageCount <= commonMax ? .common : .frequent
    }
}
