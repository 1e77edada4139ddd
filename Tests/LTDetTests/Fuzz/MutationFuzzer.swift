import Foundation

@testable import LTDet

/// A seeded random mutator for the fuzz targets: each input is a valid example with a few byte-level edits
/// (flips, insertions of tokens that parsers get wrong, deletions, duplications, splices), a pure function
/// of (seed, iteration) so that a crash is reproduced by its seed and the iteration count printed before it.
///
/// Each target runs for `LTDET_FUZZ_SECONDS` seconds (default 2, so that `swift test` stays short; longer runs
/// are recorded in docs/developer/fuzzing.md) from `LTDET_FUZZ_SEED` (default 1). With `LTDET_FUZZ_LAST_INPUT`
/// set to a path, each input is written there before it runs: after a crash, that file is the crashing input.
struct MutationFuzzer {
    static var seconds: Double { ProcessInfo.processInfo.environment["LTDET_FUZZ_SECONDS"].flatMap(Double.init) ?? 2 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["LTDET_FUZZ_SEED"].flatMap(UInt64.init) ?? 1 }
    static var lastInputPath: String? { ProcessInfo.processInfo.environment["LTDET_FUZZ_LAST_INPUT"] }

    /// Byte strings that sit at the edges of what readers accept.
    static let tokens: [[UInt8]] = [
        "NaN", "-Infinity", "Infinity", "1e999", "-1", "0", "-0", "1e308", "4294967296", "9223372036854775807",
        "9223372036854775808", "-9223372036854775809", "1.5", "null", "true", "[]", "{}", "\"\"", "[[", "]]", "\"",
        "\\u0000", "\\ud800", ",", ":", "\u{FEFF}", "\u{FFFF}", "99999999999999999999999",
    ].map { Array($0.utf8) } + [[0xFF], [0x00], [0xC3], [0xEF, 0xBB, 0xBF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]]

    let name: String
    let corpus: [[UInt8]]

    /// Runs `target` on mutated inputs until the time is up; returns the number of inputs tried. `target` may
    /// throw (a rejected input is fine); a trap or a hang fails the test run.
    @discardableResult
    func run(_ target: ([UInt8]) throws -> Void) -> Int {
        let seed = Self.seed
        let lastInputPath = Self.lastInputPath
        let deadline = Date().addingTimeInterval(Self.seconds)
        print("fuzz \(name): seed \(seed), \(Self.seconds) s")
        var iteration = 0
        while Date() < deadline {
            var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(iteration))
            let input = mutate(corpus[random.below(corpus.count)], &random)
            if let lastInputPath { FileManager.default.createFile(atPath: lastInputPath, contents: Data(input)) }
            _ = try? target(input)
            iteration += 1
        }
        print("fuzz \(name): \(iteration) inputs, no crash")
        return iteration
    }

    func mutate(_ original: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + random.below(4)) {
            let at = random.below(bytes.count + 1)
            switch random.below(6) {
            case 0 where !bytes.isEmpty:
                bytes[min(at, bytes.count - 1)] ^= UInt8(1 << random.below(8))
            case 1:
                bytes.insert(contentsOf: Self.tokens[random.below(Self.tokens.count)], at: at)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + random.below(16))
                bytes.removeSubrange(min(at, bytes.count - 1)..<end)
            case 3 where at < bytes.count:
                let end = min(bytes.count, at + 1 + random.below(64))
                bytes.insert(contentsOf: Array(bytes[at..<end]), at: random.below(bytes.count + 1))
            case 4:
                let other = corpus[random.below(corpus.count)]
                let from = random.below(other.count + 1)
                bytes = Array(bytes[..<at]) + Array(other[from...])
            default:
                // A digit run replaced by a number token: sizes, counts, offsets and ids at their extremes.
                if let digit = bytes.indices.dropFirst(at).first(where: { bytes[$0] >= 48 && bytes[$0] <= 57 }) {
                    var end = digit
                    while end < bytes.count, bytes[end] >= 48 && bytes[end] <= 57 { end += 1 }
                    bytes.replaceSubrange(digit..<end, with: Self.tokens[random.below(12)])
                }
            }
        }
        return bytes
    }
}

extension SplitMix64 {
    /// A uniform choice in 0..<n (0 when n is 0).
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int.random(in: 0..<n, using: &self) }
}
