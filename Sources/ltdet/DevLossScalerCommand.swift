import ArgumentParser
import Foundation
import LTDet
import Torch

/// The loss scaler (GradScaler semantics) for the reference check and for GPU machines.
/// - `--in SCENARIO --out RESULT`: replays a scenario file (`param`, `grad.0`, `grad.1`, ... float32) through
///   GradScaler + SGD: each step backpropagates the scaled loss sum(param * grad.i), so the raw gradient is
///   scale * grad.i (inf/NaN entries in grad.i make that step non-finite), unscales, steps unless non-finite,
///   updates. Writes `scale` (the scale each step used), `stepped` (1/0), `growth_tracker` (after each
///   update), `param` (final) and the scaler's `state.scale` / `state.growth_tracker` for
///   scripts/reference/loss_scaler.py to compare with torch's GradScaler logic.
/// - `--self-check [--device cuda]`: `MixedPrecisionSelfCheck`, one pass/fail line each; exit 1 on a failure.
struct DevLossScalerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss-scaler", abstract: "Replay a loss-scaler scenario, or self-check an fp16 step (GPU check hook).")

    @Option(help: "Scenario .safetensors (param, grad.0, grad.1, ...).") var `in`: String?
    @Option(help: "Result .safetensors.") var out: String?
    @Option(help: "A number (static scale, mmcv's loss_scale: 512.) or 'dynamic'.") var lossScale: String = "dynamic"
    @Option(help: "Dynamic: initial scale.") var initScale: Double = 65536
    @Option(help: "Dynamic: growth factor.") var growthFactor: Double = 2
    @Option(help: "Dynamic: backoff factor.") var backoffFactor: Double = 0.5
    @Option(help: "Dynamic: clean steps before growing.") var growthInterval: Int = 2000
    @Option(help: "SGD learning rate.") var lr: Double = 0.1
    @Flag(help: "Run the fp16 step self-check instead of a scenario.") var selfCheck = false
    @Option(help: "Device of the self-check: cpu, cuda or cuda:N.") var device: String = "cpu"

    func run() throws {
        Runtime.configureProcess()
        if selfCheck { return try runSelfCheck() }
        guard let input = `in`, let output = out else { throw ValidationError("give --in and --out, or --self-check") }
        let tensors = try Safetensors.load(from: URL(fileURLWithPath: input)).tensors
        guard let initial = tensors["param"] else { throw ValidationError("\(input): needs 'param'") }
        var gradients: [Tensor] = []
        while let g = tensors["grad.\(gradients.count)"] {
            guard g.shape == initial.shape else {
                throw ValidationError("\(input): 'grad.\(gradients.count)' has shape \(g.shape), 'param' \(initial.shape)")
            }
            gradients.append(g)
        }
        let scaler: GradScaler
        if lossScale == "dynamic" {
            scaler = try GradScaler(
                initScale: initScale, growthFactor: growthFactor, backoffFactor: backoffFactor, growthInterval: growthInterval)
        } else if let value = Double(lossScale) {
            scaler = try GradScaler(staticScale: value)
        } else {
            throw ValidationError("--loss-scale: a number or 'dynamic', not '\(lossScale)'")
        }
        let parameter = Parameter(wrappedValue: try initial.to(.float32).detach().clone())
        let optimizer = SGD([parameter], lr: lr)
        var scales: [Float] = []
        var stepped: [Int32] = []
        var trackers: [Int32] = []
        for g in gradients {
            try optimizer.zeroGrad()
            let loss = try (parameter.wrappedValue * g.to(.float32)).sum()
            scales.append(Float(try scaler.scale))
            try scaler.scale(loss).backward()
            try scaler.unscale(optimizer)
            stepped.append(try scaler.step(optimizer) ? 1 : 0)
            try scaler.update()
            trackers.append(Int32(try scaler.cleanSteps))
        }
        var result: [String: Tensor] = [
            "scale": try Tensor(scales), "stepped": try Tensor(stepped), "growth_tracker": try Tensor(trackers),
            "param": try parameter.wrappedValue.detach(),
        ]
        for (k, v) in try scaler.stateDict() { result["state." + k] = v }
        try Safetensors.save(result, to: URL(fileURLWithPath: output))
    }

    private func runSelfCheck() throws {
        guard let target = Device(device) else { throw ValidationError("--device: cpu, cuda or cuda:N, not '\(device)'") }
        let outcomes = try MixedPrecisionSelfCheck.run(device: target)
        for o in outcomes { print("\(o.passed ? "pass" : "FAIL"): fp16 step on \(target): \(o.name) (\(o.detail))") }
        if outcomes.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
