import LVISKit

/// LTDet's name for LVIS's rare / common / frequent category groups.
public typealias FrequencyGroup = LVISDataset.Frequency

extension LVISDataset.Frequency {
    /// The LVIS rule: rare when at most 10 training images contain the category, common for 11
    /// to 100, frequent above 100.
    public static func lvis(imageCount: Int) -> LVISDataset.Frequency {
        group(imageCount: Double(imageCount), rareMax: 10, commonMax: 100)
    }

    /// The same rule with other thresholds (the synthetic benchmark scales them with its size).
    public static func group(imageCount: Double, rareMax: Double, commonMax: Double) -> LVISDataset.Frequency {
        imageCount <= rareMax ? .rare : imageCount <= commonMax ? .common : .frequent
    }
}
