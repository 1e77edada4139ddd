import Foundation

/// Weight initialisers (torch.nn.init semantics), in place and outside autograd.
public enum Init {
    /// (fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field size.
    public static func fans(_ t: Tensor) -> (fanIn: Double, fanOut: Double) {
        let s = t.shape
        guard s.count >= 2 else { return (Double(s.first ?? 1), Double(s.first ?? 1)) }
        let receptive = s.dropFirst(2).reduce(1, *)
        return (Double(s[1] * receptive), Double(s[0] * receptive))
    }

    public static func uniform(_ t: Tensor, _ low: Double, _ high: Double, generator: Generator? = nil) throws {
        try withNoGrad { try t.uniform_(low, high, generator: generator) }
    }

    public static func normal(_ t: Tensor, mean: Double = 0, std: Double, generator: Generator? = nil) throws {
        try withNoGrad { try t.normal_(mean: mean, std: std, generator: generator) }
    }

    public static func constant(_ t: Tensor, _ value: Double) throws {
        try withNoGrad { try t.fill_(value) }
    }

    /// Kaiming/He uniform with leaky-ReLU slope `a` (mode fan_in), as torch's default layer init uses a = sqrt(5).
    public static func kaimingUniform(
        _ t: Tensor, a: Double = 0, fanOutMode: Bool = false, generator: Generator? = nil
    ) throws {
        let (fanIn, fanOut) = fans(t)
        let gain = sqrt(2.0 / (1 + a * a))
        let bound = gain * sqrt(3.0 / (fanOutMode ? fanOut : fanIn))
        try uniform(t, -bound, bound, generator: generator)
    }

    /// Kaiming/He normal for ReLU networks; mmdet and torchvision use mode fan_out for convolutions.
    public static func kaimingNormal(
        _ t: Tensor, a: Double = 0, fanOutMode: Bool = true, generator: Generator? = nil
    ) throws {
        let (fanIn, fanOut) = fans(t)
        let gain = sqrt(2.0 / (1 + a * a))
        try normal(t, std: gain / sqrt(fanOutMode ? fanOut : fanIn), generator: generator)
    }

    public static func xavierUniform(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) throws {
        let (fanIn, fanOut) = fans(t)
        let bound = gain * sqrt(6.0 / (fanIn + fanOut))
        try uniform(t, -bound, bound, generator: generator)
    }

    public static func xavierNormal(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) throws {
        let (fanIn, fanOut) = fans(t)
        try normal(t, std: gain * sqrt(2.0 / (fanIn + fanOut)), generator: generator)
    }
}
