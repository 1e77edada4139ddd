import Foundation
import Testing

@testable import Torch

/// SGD and AdamW against torch.optim on the same parameters and gradients (fixture from real PyTorch).
@Suite struct OptimizerTests {
    let reference: [String: Tensor]
    init() throws { reference = try Safetensors.load(from: Fixtures.url("optim_reference.safetensors")).tensors }

    func replay(_ name: String, _ make: ([Parameter]) -> any Optimizer) throws {
        let params = try (0..<3).map { Parameter(wrappedValue: try reference["init.\($0)"]!.clone()) }
        let optimizer = make(params)
        for step in 0..<4 {
            for (i, p) in params.enumerated() { try p.wrappedValue.setGrad(try reference["grad.\(step).\(i)"]!.clone()) }
            try optimizer.step()
            for (i, p) in params.enumerated() {
                let expected = reference["\(name).\(step).\(i)"]!
                let diff = try (p.wrappedValue - expected).abs().max().item()
                #expect(diff < 1e-12, "\(name) step \(step) parameter \(i): max difference \(diff)")
            }
        }
    }

    @Test func sgdWithMomentumWeightDecayAndGroupsMatchesPyTorch() throws {
        try replay("sgd") { ps in
            SGD(
                groups: [
                    ParameterGroup(Array(ps[0..<2]), lr: 0.02, weightDecay: 1e-4),
                    ParameterGroup(Array(ps[2...]), lr: 0.01, weightDecay: 0),
                ], momentum: 0.9)
        }
    }

    @Test func nesterovSGDMatchesPyTorch() throws {
        try replay("sgd_nesterov") { SGD($0, lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true) }
    }

    @Test func adamWMatchesPyTorch() throws {
        try replay("adamw") { AdamW($0, lr: 1e-2, weightDecay: 0.05) }
    }

    @Test func optimizerStateRoundTripsAndContinuesExactly() throws {
        func run(splitAt: Int?) throws -> [Tensor] {
            var params = try (0..<3).map { Parameter(wrappedValue: try reference["init.\($0)"]!.clone()) }
            var optimizer: any Optimizer = SGD(params, lr: 0.02, momentum: 0.9, weightDecay: 1e-4)
            for step in 0..<4 {
                if step == splitAt {
                    let saved = try optimizer.stateDict()
                    params = try params.map { Parameter(wrappedValue: try $0.wrappedValue.detach().clone()) }
                    optimizer = SGD(params, lr: 0.02, momentum: 0.9, weightDecay: 1e-4)
                    try optimizer.loadStateDict(saved)
                }
                for (i, p) in params.enumerated() {
                    try p.wrappedValue.setGrad(try reference["grad.\(step).\(i)"]!.clone())
                }
                try optimizer.step()
            }
            return params.map(\.wrappedValue)
        }
        let straight = try run(splitAt: nil)
        let resumed = try run(splitAt: 2)
        for (a, b) in zip(straight, resumed) { #expect(try a.eq(b).all().item() == 1) }
    }

    @Test func warmupMultiStepFollowsMMCV() {
        let s = WarmupMultiStepSchedule(milestones: [8, 11], gamma: 0.1, warmupIterations: 4, warmupRatio: 0.001)
        // mmcv: warmup_lr = lr * (1 - (1 - i / warmup) * (1 - ratio)).
        #expect(abs(s.factor(iteration: 0) - 0.001) < 1e-15)
        #expect(abs(s.factor(iteration: 2) - (1 - 0.5 * 0.999)) < 1e-15)
        #expect(s.factor(iteration: 4) == 1)
        #expect(abs(s.factor(iteration: 8) - 0.1) < 1e-15)
        #expect(abs(s.factor(iteration: 11) - 0.01) < 1e-15)
        let c = WarmupCosineSchedule(totalIterations: 10)
        #expect(abs(c.factor(iteration: 5) - 0.5) < 1e-12)
        #expect(abs(c.factor(iteration: 10)) < 1e-12)
    }

    @Test func clipGradNormScalesToTheLimit() throws {
        let p = Parameter(wrappedValue: try Tensor([3.0, 4.0]))
        try p.wrappedValue.setGrad(try Tensor([3.0, 4.0]))
        let norm = try clipGradNorm([p], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-12)
        let g = try p.wrappedValue.grad!.toArray(Double.self)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
    }
}
