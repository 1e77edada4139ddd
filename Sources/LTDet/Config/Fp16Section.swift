import Torch

/// `fp16:` mixed-precision training as mmdet 2.x configures it (`fp16 = dict(loss_scale=...)`): autocast around
/// the forward pass (float16 on CUDA, bfloat16 on the CPU) and a loss scaler in the optimiser hook. `loss_scale`
/// takes mmcv's three forms:
/// - a number, `loss_scale: 512.`: a fixed scale (the default of mmcv's Fp16OptimizerHook, so `fp16: {}` means 512);
/// - `loss_scale: dynamic`: torch's GradScaler with its defaults (65536, x2 every 2000 clean steps, x0.5 on inf/NaN);
/// - `loss_scale: {init_scale: ..., growth_factor: ..., backoff_factor: ..., growth_interval: ...}`: a dynamic
///   scaler with those settings (the ones not given keep GradScaler's defaults).
/// Either way a step whose gradients hold an inf or NaN is skipped.
public struct Fp16Section: Codable, Sendable, Equatable {
    public enum LossScale: Sendable, Equatable {
        case fixed(Double)
        case dynamic(DynamicLossScale)
    }

    /// GradScaler's settings, with its defaults.
    public struct DynamicLossScale: Codable, Sendable, Equatable {
        public var initScale = 65536.0
        public var growthFactor = 2.0
        public var backoffFactor = 0.5
        public var growthInterval = 2000

        enum CodingKeys: String, CodingKey {
            case initScale = "init_scale"
            case growthFactor = "growth_factor"
            case backoffFactor = "backoff_factor"
            case growthInterval = "growth_interval"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            initScale = try c.decodeIfPresent(Double.self, forKey: .initScale) ?? initScale
            growthFactor = try c.decodeIfPresent(Double.self, forKey: .growthFactor) ?? growthFactor
            backoffFactor = try c.decodeIfPresent(Double.self, forKey: .backoffFactor) ?? backoffFactor
            growthInterval = try c.decodeIfPresent(Int.self, forKey: .growthInterval) ?? growthInterval
        }
    }

    public var lossScale = LossScale.fixed(512)

    enum CodingKeys: String, CodingKey { case lossScale = "loss_scale" }

    public init(lossScale: LossScale = .fixed(512)) { self.lossScale = lossScale }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.contains(.lossScale) else { return }
        if let number = try? c.decode(Double.self, forKey: .lossScale) {
            lossScale = .fixed(number)
        } else if let word = try? c.decode(String.self, forKey: .lossScale) {
            guard word == "dynamic" else {
                throw DecodingError.dataCorruptedError(
                    forKey: .lossScale, in: c,
                    debugDescription: "expected a number, 'dynamic' or {init_scale, growth_factor, backoff_factor, growth_interval}")
            }
            lossScale = .dynamic(DynamicLossScale())
        } else {
            // A mapping; its own errors (a wrong type, an unknown key) name the key inside it.
            lossScale = .dynamic(try c.decode(DynamicLossScale.self, forKey: .lossScale))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch lossScale {
        case .fixed(let value): try c.encode(value, forKey: .lossScale)
        // Always the mapping, `dynamic` included: the decoder checks a file's keys against this encoding.
        case .dynamic(let settings): try c.encode(settings, forKey: .lossScale)
        }
    }

    /// The loss scaler these settings describe.
    public func makeScaler() throws -> GradScaler {
        switch lossScale {
        case .fixed(let value): try GradScaler(staticScale: value)
        case .dynamic(let s):
            try GradScaler(
                initScale: s.initScale, growthFactor: s.growthFactor, backoffFactor: s.backoffFactor,
                growthInterval: s.growthInterval)
        }
    }
}
