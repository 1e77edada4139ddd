import ArgumentParser
import Foundation
import LTDet
import Torch

/// LOCE's MFS box jitter and class/entry sampler on given random draws, so that scripts/reference/mfs.py can
/// compare them with an independent implementation (exact boxes, sign patterns and clamping; the sampling
/// distribution by a chi-square test over many draws).
///
/// Input tensors (each group optional): `boxes` (M x 4), `uniforms` (4 x 16), `image_size` (height, width) ->
/// `jittered` ((M * 16) x 4) and `signs` (4 x 16); `mean_scores` (C + 1), `class_uniforms` (N) -> `probabilities`
/// (C) and `classes` (the drawn classes, ascending); `entry_uniforms` (N), `filled` (scalar) -> `entries`.
struct DevMFSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mfs", abstract: "LOCE's MFS box jitter and class/entry sampler on given draws (reference check hook).")

    @Option(help: "Input .safetensors (boxes, uniforms, image_size; mean_scores, class_uniforms; entry_uniforms, filled).")
    var `in`: String
    @Option(help: "Output .safetensors.") var out: String

    func run() throws {
        Runtime.configureProcess()
        let inputs = try Safetensors.load(from: URL(fileURLWithPath: `in`)).tensors
        var result: [String: Tensor] = [:]
        if let boxes = inputs["boxes"] {
            guard let uniforms = inputs["uniforms"], let size = inputs["image_size"] else {
                throw ValidationError("\(`in`): 'boxes' needs 'uniforms' (4 x 16) and 'image_size' (height, width)")
            }
            let hw = try size.to(.int64).toArray(Int64.self)
            guard hw.count == 2 else { throw ValidationError("\(`in`): 'image_size' must hold (height, width), got \(hw)") }
            result["jittered"] = try MFSBoxJitter.jitter(boxes: boxes, uniforms: uniforms, width: Int(hw[1]), height: Int(hw[0]))
            result["signs"] = try MFSBoxJitter.signs()
        }
        if let meanScores = inputs["mean_scores"] {
            guard let draws = inputs["class_uniforms"] else {
                throw ValidationError("\(`in`): 'mean_scores' needs 'class_uniforms'")
            }
            let m = try meanScores.to(.float64).toArray(Double.self)
            let p = MFSSampler.probabilities(meanScores: Array(m.dropLast()))
            result["probabilities"] = try Tensor(p)
            let classes = MFSSampler.classes(probabilities: p, uniforms: try draws.to(.float64).toArray(Double.self))
            result["classes"] = try Tensor(classes.map(Int64.init))
        }
        if let draws = inputs["entry_uniforms"] {
            guard let filled = try inputs["filled"]?.itemInt(), filled > 0 else {
                throw ValidationError("\(`in`): 'entry_uniforms' needs 'filled', a positive count of memory entries")
            }
            let entries = MFSSampler.entries(uniforms: try draws.to(.float64).toArray(Double.self), filled: filled)
            result["entries"] = try Tensor(entries.map(Int64.init))
        }
        guard !result.isEmpty else {
            throw ValidationError("\(`in`): none of 'boxes', 'mean_scores', 'entry_uniforms' is given")
        }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
    }
}
