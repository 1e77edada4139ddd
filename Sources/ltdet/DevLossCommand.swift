import ArgumentParser
import Foundation
import LTDet
import Torch

/// Runs one training step of a classification loss on tensors from a file and writes every loss term, the
/// gradient of their sum with respect to the logits, the updated state and the test-time scores, so that
/// scripts/reference/losses.py can compare LTDet against independent PyTorch code. Tensor names:
/// docs/developer/loss-harness.md.
struct DevLossCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss", abstract: "One training step of a classification loss (reference check hook).")

    @Option(help: "softmax, sigmoid, seesaw, eqlv2, ebl, softmax_pcb, seesaw_pcb or eqlv2_pcb.") var method: String
    @Option(help: "Input .safetensors: cls_score, labels, optional label_weights, instance_ids, epoch, state.")
    var `in`: String
    @Option(help: "Output .safetensors.") var out: String
    @Option(help: "JSON object: loss_cls parameters, pcb {alpha, momentum, start_epoch}, avg_factor, pcb_alpha_override.")
    var options: String = "{}"
    @Option(help: "Also time this many further steps (forward + backward) and print the median (benchmark hook).")
    var `repeat`: Int = 0

    func run() throws {
        Runtime.configureProcess()
        var settings = try parseOptions()
        let averageFactor = settings.removeValue(forKey: "avg_factor") as? Double
        let alphaOverride = settings.removeValue(forKey: "pcb_alpha_override") as? Double
        let inputs = try Safetensors.load(from: URL(fileURLWithPath: `in`)).tensors
        guard let scores = inputs["cls_score"], let labels = inputs["labels"] else {
            throw ValidationError("\(`in`): needs cls_score and labels")
        }
        let (type, withPCB, extraWidth) = try Self.lossType(method)
        settings["type"] = type.name
        if type.sigmoid { settings["use_sigmoid"] = true }
        if withPCB && settings["pcb"] == nil { settings["pcb"] = [String: Any]() }
        let numClasses = scores.size(1) - extraWidth
        let loss = try ClassificationLossFactory.make(config: settings, numClasses: numClasses)

        let state = inputs.filter { !["cls_score", "labels", "label_weights", "instance_ids", "epoch"].contains($0.key) }
        if !state.isEmpty {
            var full = loss.stateDict()
            full.merge(state) { _, given in given }
            try loss.loadStateDict(full)
        }

        let logits = try scores.detach().clone().requiresGrad(true)
        let input = ClassificationLossInput(
            logits: logits, labels: try labels.to(.int64), labelWeights: inputs["label_weights"],
            averageFactor: averageFactor ?? Double(max(scores.size(0), 1)),
            epoch: try inputs["epoch"].map { try $0.itemInt() } ?? 1, pcbAlphaOverride: alphaOverride,
            instanceIDs: inputs["instance_ids"])
        let terms = try loss(input)

        var result: [String: Tensor] = [:]
        var total: Tensor?
        for (name, value) in terms.losses {
            result[name] = try value.detach()
            total = try total.map { try $0 + value } ?? value
        }
        if let total, total.requiresGrad {
            result["grad_cls_score"] = try Tensor.gradients(of: [total], wrt: [logits])[0] ?? logits.zerosLike()
        } else {
            result["grad_cls_score"] = try logits.zerosLike()
        }
        for (name, value) in loss.stateDict() { result[name] = value }
        for (name, value) in terms.metrics { result[name] = try Tensor(scalar: value, dtype: .float64) }
        result["scores"] = try withNoGrad { try loss.scores(scores) }
        try Safetensors.save(result, to: URL(fileURLWithPath: out))
        if `repeat` > 0 { try time(loss, input, logits) }
    }

    /// Forward + backward of the loss alone, `repeat` times after the written step; state keeps evolving.
    private func time(_ loss: any ClassificationLoss, _ input: ClassificationLossInput, _ logits: Tensor) throws {
        var milliseconds: [Double] = []
        for _ in 0..<`repeat` {
            let start = DispatchTime.now().uptimeNanoseconds
            let terms = try loss(input)
            let total = try terms.losses.values.dropFirst().reduce(terms.losses.values.first!) { try $0 + $1 }
            _ = try Tensor.gradients(of: [total], wrt: [logits])
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        milliseconds.sort()
        print(String(format: "median_ms %.4f threads %d", milliseconds[milliseconds.count / 2], Runtime.numThreads))
    }

    private func parseOptions() throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(options.utf8)) as? [String: Any] else {
            throw ValidationError("--options must be a JSON object, got '\(options)'")
        }
        return object
    }

    /// The loss type, whether PCB is on, and how many outputs the classifier has beyond C.
    private static func lossType(_ method: String) throws -> (type: (name: String, sigmoid: Bool), pcb: Bool, extra: Int) {
        let withPCB = method.hasSuffix("_pcb")
        let base = withPCB ? String(method.dropLast(4)) : method
        switch base {
        case "softmax": return (("CrossEntropyLoss", false), withPCB, 1)
        case "sigmoid" where !withPCB: return (("CrossEntropyLoss", true), false, 0)
        case "seesaw": return (("SeesawLoss", false), withPCB, 2)
        case "eqlv2": return (("EQLv2", false), withPCB, 1)
        case "ebl" where !withPCB: return (("EquilibriumLoss", false), false, 1)
        default:
            throw ValidationError(
                "unknown --method '\(method)' (softmax, sigmoid, seesaw, eqlv2, ebl, softmax_pcb, seesaw_pcb, eqlv2_pcb)")
        }
    }
}
