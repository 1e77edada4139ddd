/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast, seedable generator whose output is the
/// same on every platform and Swift version, unlike `SystemRandomNumberGenerator`. Everything in the
/// data pipeline that must be reproducible (synthetic images, sampler order, augmentation) uses it.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable, Equatable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one component of a run, e.g. `(seed, epoch, rank, sampleIndex)`: each key is
    /// mixed in turn, so neighbouring keys give unrelated streams.
    public init(seed: UInt64, _ keys: UInt64...) {
        var mixed = SplitMix64.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        for key in keys { mixed = SplitMix64.mix(mixed ^ SplitMix64.mix(key &+ 0xD1B5_4A32_D192_ED03)) }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `0..<bound` (Lemire's method is unnecessary here: the bias of a
    /// 64-bit modulo is below 2^-40 for every bound the pipeline uses, but the sampling must not
    /// depend on the standard library's algorithm, which may change).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// A uniform Double in `range`.
    public mutating func nextDouble(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnit()
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array {
    /// Fisher-Yates shuffle driven by `SplitMix64.nextInt`, so the order is fixed by the seed
    /// alone (the standard library's `shuffle(using:)` algorithm is not guaranteed stable).
    public mutating func deterministicShuffle(using generator: inout SplitMix64) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = generator.nextInt(below: i + 1)
            if i != j { swapAt(i, j) }
        }
    }
}
