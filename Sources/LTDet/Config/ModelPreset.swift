/// The architectures a config's `model:` keys start from; each is stated once, in `MaskRCNNConfig`.
public enum ModelPreset: String, CaseIterable, Sendable {
    case lvisBaseline = "lvis_baseline"
    case demo

    public func model(numClasses: Int) -> MaskRCNNConfig {
        switch self {
        case .lvisBaseline: return MaskRCNNConfig.lvisBaseline(numClasses: numClasses)
        case .demo: return MaskRCNNConfig.demo(numClasses: numClasses)
        }
    }
}
