import Foundation
import Yams

/// Everything one experiment needs, decoded from `configs/*.yaml` (mmdet's names and structure).
///
/// The defaults are mmdet 2.x's own, stated once, here and in the sections: the model of `model_preset`
/// (`lvis_baseline`: mmdet's mask_rcnn_r50_fpn as configured for LVIS v1), LVIS v1 data (`DataSection`) and
/// mmdet's 1x schedule (`OptimizerSection`, `LRSection`, `RunnerSection`, ...). A file, `configs/_base_/`
/// included, states only what differs (docs/developer/engine.md says why this way round).
public struct ExperimentConfig: ConfigSection {
    /// The architecture the `model:` keys modify: `lvis_baseline` (`MaskRCNNConfig.lvisBaseline`) or `demo`
    /// (`MaskRCNNConfig.demo`, the small model of `ltdet demo`).
    public var modelPreset = ModelPreset.lvisBaseline.rawValue
    public var model = MaskRCNNConfig.lvisBaseline()
    public var data = DataSection()
    public var optimizer = OptimizerSection()
    public var lrConfig = LRSection()
    public var runner = RunnerSection()
    public var checkpointConfig = CheckpointSection()
    public var evaluation = EvaluationSection()
    public var logConfig = LogSection()
    /// Seeds the weights, the samplers, the augmentation and the RoI samplers.
    public var seed: UInt64 = 0
    /// Where checkpoints, logs and outputs go (the CLI's --work-dir wins).
    public var workDir: String?
    /// Where the model trains and tests: `cpu`, `cuda` (device 0) or `cuda:N`; unset, CUDA device 0 when there
    /// is one, else the CPU (the CLI's --device wins). `resolvedDevice` checks it against the machine.
    public var device: String?
    /// ImageNet weights for the backbone: a torchvision ResNet state dict (.pth or .safetensors).
    public var pretrained: String?
    /// A whole-model checkpoint to start from (weights only; a fine-tuning stage, for example); a work
    /// directory means its newest complete checkpoint.
    public var loadFrom: String?
    /// Train only the parameters whose names contain one of these (LOCE's second stage:
    /// `[fc_cls, fc_reg, rpn, mask_head]`); nil trains every parameter that is not frozen by the model.
    public var trainParams: [String]?
    /// A forward pass over a class-balanced set before training (LOCE's second stage).
    public var balancedInit: BalancedInitSection?
    /// Mixed-precision training (mmdet's `fp16 = dict(loss_scale=...)`); nil trains in float32.
    public var fp16: Fp16Section?
    /// The file this configuration was loaded from, which configuration errors name (not a key).
    public var file = "<configuration built in code>"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case model, data, optimizer, runner, evaluation, seed, device
        case modelPreset = "model_preset"
        case lrConfig = "lr_config"
        case checkpointConfig = "checkpoint_config"
        case logConfig = "log_config"
        case workDir = "work_dir"
        case pretrained
        case loadFrom = "load_from"
        case trainParams = "train_params"
        case balancedInit = "balanced_init"
        case fp16
    }

    /// Loads a YAML file (with `_base_` inheritance) and `--set` overrides.
    public static func load(_ path: String, overrides: [String] = []) throws -> ExperimentConfig {
        let node = try ConfigFile.load(path, overrides: overrides)
        var defaults = ExperimentConfig()
        if let name = node.mapping?["model_preset"]?.string {
            guard let preset = ModelPreset(rawValue: name) else {
                throw ConfigError(
                    file: path, key: "model_preset",
                    "unknown preset '\(name)' (\(ModelPreset.allCases.map(\.rawValue).joined(separator: " or ")))")
            }
            defaults.modelPreset = name
            defaults.model = preset.model(numClasses: defaults.model.numClasses)
        }
        var config = try ConfigDecoder.decode(ExperimentConfig.self, from: node, file: path, defaults: defaults)
        config.file = path
        try config.model.validate(file: path)
        try config.validate()
        return config
    }
}
