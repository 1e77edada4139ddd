import Torch

/// One fp16 training step, end to end, on a small convolution + linear model on `device`: what `ltdet dev
/// loss-scaler --self-check` prints and a GPU check script runs ("fp16 step: scaler grows and backs off on an
/// injected inf"). Autocast must give the layers' outputs the device's reduced type (float16 on CUDA, bfloat16
/// on the CPU) while the loss stays float32; a dynamic scaler with `growthInterval` 2 must double its scale after
/// two clean steps, skip a step whose gradient holds an injected inf (parameters bit for bit unchanged), halve
/// its scale, and step again on the next clean gradient.
public enum MixedPrecisionSelfCheck {
    public struct Outcome: Sendable {
        public let name: String
        public let passed: Bool
        public let detail: String
    }

    public static func run(device: Device, seed: UInt64 = 0) throws -> [Outcome] {
        let generator = try Generator(seed: seed)
        let conv = try Runtime.withSeededDefaultGenerator(seed) { try Conv2d(3, 4, kernelSize: 3, padding: 1) }
        let linear = try Linear(4 * 8 * 8, 5, generator: generator)
        try conv.to(device)
        try linear.to(device)
        let parameters = conv.parameters() + linear.parameters()
        let optimizer = SGD(parameters, lr: 0.01)
        let scaler = try GradScaler(initScale: 1024, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2)
        let images = try Tensor.randn([2, 3, 8, 8], generator: generator).to(device)
        let targets = try Tensor.randn([2, 5], generator: generator).to(device)
        let reduced = Autocast.defaultDType(for: device)
        var outcomes: [Outcome] = []
        func record(_ name: String, _ passed: Bool, _ detail: String) {
            outcomes.append(Outcome(name: name, passed: passed, detail: detail))
        }

        /// One step; `injectInf` puts an inf into one gradient element after backward, as an fp16 overflow would.
        func step(injectInf: Bool) throws -> (stepped: Bool, scaleBefore: Double, scaleAfter: Double, convType: DType, lossType: DType) {
            try optimizer.zeroGrad()
            var convType = DType.float32
            let loss = try Autocast.enabled(for: device) { () throws -> Tensor in
                let features = try conv(images).relu()
                convType = features.dtype
                let logits = try linear(features.flatten(startDim: 1))
                return try Autocast.disabled { try (logits.fullPrecision() - targets).square().mean() }
            }
            try scaler.scale(loss).backward()
            if injectInf, let g = linear.weight.grad { try withNoGrad { try g.reshape(-1).narrow(dim: 0, start: 0, length: 1).fill_(.infinity) } }
            let before = try scaler.scale
            try scaler.unscale(optimizer)
            let stepped = try scaler.step(optimizer)
            try scaler.update()
            return (stepped, before, try scaler.scale, convType, loss.dtype)
        }
        func snapshot() throws -> [[Float]] { try parameters.map { try $0.wrappedValue.to(.cpu).toArray(Float.self) } }

        let first = try step(injectInf: false)
        record(
            "autocast: convolution output is \(reduced)", first.convType == reduced,
            "got \(first.convType) on \(device)")
        record("autocast: loss stays float32", first.lossType == .float32, "got \(first.lossType)")
        let second = try step(injectInf: false)
        let grown = first.stepped && second.stepped && second.scaleAfter == second.scaleBefore * scaler.growthFactor
        record(
            "scaler grows after \(scaler.growthInterval) clean steps", grown,
            "scale \(first.scaleBefore) -> \(second.scaleAfter), steps taken \(first.stepped), \(second.stepped)")
        let before = try snapshot()
        let injected = try step(injectInf: true)
        let unchanged = try snapshot() == before
        record("injected inf: step skipped", !injected.stepped && unchanged, "stepped \(injected.stepped), parameters unchanged \(unchanged)")
        record(
            "injected inf: scale backed off", injected.scaleAfter == injected.scaleBefore * scaler.backoffFactor,
            "scale \(injected.scaleBefore) -> \(injected.scaleAfter)")
        let after = try step(injectInf: false)
        let moved = try snapshot() != before
        record("clean step after the inf: stepped", after.stepped && moved, "stepped \(after.stepped), parameters moved \(moved)")
        return outcomes
    }
}
