import Torch

/// A fine-tuning stage that trains only some parameters (config `train_params`; LOCE's second stage trains
/// `[fc_cls, fc_reg, rpn, mask_head]`, tools/train.py `select_training_param`): a parameter stays trainable
/// when its name contains one of the patterns, every other one is frozen. Frozen parameters leave the
/// optimiser, so they get neither updates nor weight decay, and a BatchNorm whose weight and bias are both
/// frozen keeps its running statistics too (it runs in evaluation mode; training mode would still move them).
public struct ParameterSelection: Sendable, Equatable {
    public let patterns: [String]

    public init(patterns: [String]) { self.patterns = patterns }

    /// Freezes what no pattern names; returns the names left trainable. A pattern that names no parameter is
    /// an error (a misspelt name would silently freeze that part).
    @discardableResult
    public func apply(to model: MaskRCNN, file: String) throws -> [String] {
        let named = model.namedParameters()
        if let unmatched = patterns.first(where: { p in !named.contains { $0.0.contains(p) } }) {
            throw ConfigError(
                file: file, key: "train_params", "'\(unmatched)' names no parameter of the model (e.g. fc_cls, rpn, mask_head)")
        }
        var trainable: [String] = []
        for (name, parameter) in named {
            if patterns.contains(where: { name.contains($0) }) {
                if parameter.wrappedValue.requiresGrad { trainable.append(name) }
            } else {
                try parameter.wrappedValue.requiresGrad(false)
            }
        }
        let frozenNorms = model.namedModules().map(\.1).filter { module in
            guard let bn = module as? BatchNorm2d else { return false }
            return !bn.weight.requiresGrad && !bn.bias.requiresGrad
        }
        model.frozenNormalization = ModuleSet(modules: frozenNorms)
        return trainable
    }
}
