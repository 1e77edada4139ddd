import Foundation

/// Everything one experiment needs, decoded from `configs/*.yaml` (mmdet's names and structure). A file
/// states only what differs from these defaults, which are mmdet's LVIS v1 Mask R-CNN R50-FPN 2x settings.
public struct ExperimentConfig: ConfigSection {
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
    /// ImageNet weights for the backbone: a torchvision ResNet state dict (.pth or .safetensors).
    public var pretrained: String?
    /// A whole-model checkpoint to start from (weights only; a fine-tuning stage, for example).
    public var loadFrom: String?

    public init() {
        lrConfig.step = [16, 22]
        runner.maxEpochs = 24
        optimizer.referenceBatchSize = 16
    }

    enum CodingKeys: String, CodingKey {
        case model, data, optimizer, runner, evaluation, seed
        case lrConfig = "lr_config"
        case checkpointConfig = "checkpoint_config"
        case logConfig = "log_config"
        case workDir = "work_dir"
        case pretrained
        case loadFrom = "load_from"
    }

    /// Loads a YAML file (with `_base_` inheritance) and `--set` overrides.
    public static func load(_ path: String, overrides: [String] = []) throws -> ExperimentConfig {
        let node = try ConfigFile.load(path, overrides: overrides)
        return try ConfigDecoder.decode(ExperimentConfig.self, from: node, file: path)
    }
}
