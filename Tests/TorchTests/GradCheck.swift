import Foundation
import Testing

@testable import Torch

/// Compares autograd's gradients of `f` with central finite differences in float64.
/// `f` maps the inputs to a tensor; it is reduced to a scalar with fixed random weights so that every
/// output element contributes with a different coefficient.
func gradCheck(
    _ inputs: [(values: [Double], shape: [Int])], eps: Double = 1e-6, tolerance: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) throws -> Tensor
) throws {
    func build(_ arrays: [[Double]], requiresGrad: Bool) throws -> [Tensor] {
        try zip(arrays, inputs).map { values, input in
            try Tensor(values, shape: input.shape).requiresGrad(requiresGrad)
        }
    }
    let base = inputs.map(\.values)
    let probe = try f(try build(base, requiresGrad: false))
    let weights = try Tensor.rand(probe.shape, dtype: .float64, generator: Generator(seed: 7)) + 0.5
    func scalar(_ arrays: [[Double]]) throws -> Double {
        try (f(try build(arrays, requiresGrad: false)) * weights).sum().item()
    }

    let leaves = try build(base, requiresGrad: true)
    let out = try (f(leaves) * weights).sum()
    try out.backward()
    for (i, leaf) in leaves.enumerated() {
        let analytic = try leaf.grad?.toArray(Double.self) ?? [Double](repeating: 0, count: base[i].count)
        for j in 0..<base[i].count {
            var plus = base
            plus[i][j] += eps
            var minus = base
            minus[i][j] -= eps
            let numeric = (try scalar(plus) - scalar(minus)) / (2 * eps)
            let scale = max(1, abs(numeric))
            #expect(
                abs(numeric - analytic[j]) <= tolerance * scale,
                "input \(i) element \(j): analytic \(analytic[j]) numeric \(numeric)", sourceLocation: sourceLocation)
        }
    }
}

/// Deterministic pseudo-random values in [-1, 1) (SplitMix64), so every test run checks the same points.
func randomValues(_ count: Int, seed: UInt64, scale: Double = 1, offset: Double = 0) -> [Double] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) / Double(1 << 53) * 2 - 1) * scale + offset
    }
}

func input(_ shape: [Int], seed: UInt64, scale: Double = 1, offset: Double = 0) -> (values: [Double], shape: [Int]) {
    (randomValues(shape.reduce(1, *), seed: seed, scale: scale, offset: offset), shape)
}
