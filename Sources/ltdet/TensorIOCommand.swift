import ArgumentParser
import Foundation
import Torch

/// Reads a state dict (.safetensors or .pth) and writes every tensor doubled (bools negated) as safetensors,
/// so that scripts/reference/check_torch.sh can prove files cross between Python and Swift in both directions.
struct TensorIOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor-io", abstract: "Round-trip tensors between Python and Swift (reference check hook).")

    @Option(help: "Input state dict (.safetensors or .pth).") var `in`: String
    @Option(help: "Output .safetensors file.") var out: String

    func run() throws {
        let tensors = try StateDict.load(from: URL(fileURLWithPath: `in`))
        var result: [String: Tensor] = [:]
        for (name, t) in tensors {
            result[name] = t.dtype == .bool ? try t.logicalNot() : try (t * 2.0).to(t.dtype)
        }
        try Safetensors.save(result, metadata: ["written_by": "ltdet"], to: URL(fileURLWithPath: out))
        print("wrote \(result.count) tensors to \(out)")
    }
}
