import ArgumentParser
import Foundation
import LTDet
import Torch

/// Checks a device against the CPU (scripts/gpu-check): the detection kernels on random inputs, and one Mask
/// R-CNN training forward/backward with the same weights, inputs and sampling on both. Prints one PASS/FAIL
/// line per check, and how often a training step makes the host wait for the device; exits 1 on a FAIL.
/// `--device cpu` runs the same plumbing on the CPU (kernels: torchvision's CPU kernels against LTDet's).
struct DevDeviceCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device-check", abstract: "Compare a device with the CPU: detection kernels and a Mask R-CNN step.")

    @Option(help: "The device to check: cuda, cuda:N or cpu.") var device = "cuda"
    @Option(help: "Model: r50 (the LVIS baseline, 80 classes) or demo (the demo preset, 20 classes).") var model = "r50"
    @Option(parsing: .upToNextOption, help: "Image height and width of the model check.") var imageSize: [Int] = [320, 416]
    @Option(help: "Largest relative difference of a loss term that passes.") var lossTolerance = 1e-3
    @Option(help: "Largest relative difference of the gradients (L2 over all parameters) that passes.")
    var gradientTolerance = 1e-2

    func run() throws {
        Runtime.configureProcess()
        let target = try Device.resolve(device, cudaDeviceCount: Runtime.cudaDeviceCount)
        // TF32 alone would move a ResNet's outputs by ~1e-3 on Ampere and later: compare full fp32.
        try Runtime.allowTF32(false)
        var failed = false
        func report(_ pass: Bool, _ name: String, _ detail: String) {
            print("\(pass ? "PASS" : "FAIL") \(name): \(detail)")
            failed = failed || !pass
        }

        if case .unavailable(let reason) = TorchVisionOperators.load() {
            // On the CPU there is nothing to compare with; on CUDA the host round trip would compare the CPU kernels
            // with themselves.
            if target == .cpu {
                print("SKIP kernels: torchvision's operators are not loaded (\(reason))")
            } else {
                report(false, "kernels on \(target)", "torchvision's operators are not loaded, CUDA tensors fall back to the CPU kernels (\(reason))")
            }
        } else {
            try checkKernels(on: target, report: report)
        }
        try checkModel(on: target, report: report)
        if failed { throw ExitCode(1) }
    }

    private func checkKernels(on target: Device, report: (Bool, String, String) -> Void) throws {
        let k = try KernelAgreement.measure(device: target)
        report(
            k.roiAlignMaxDifference < 1e-5 && k.roiAlignGradientMaxDifference < 1e-5, "roi_align on \(target)",
            String(format: "max |diff| %.2e, gradient max |diff| %.2e (float64, tolerance 1e-5)",
                   k.roiAlignMaxDifference, k.roiAlignGradientMaxDifference))
        report(k.nmsIdentical && k.batchedNMSIdentical, "nms on \(target)",
               "nms \(k.nmsIdentical ? "identical" : "DIFFERENT"), batched nms \(k.batchedNMSIdentical ? "identical" : "DIFFERENT") (\(k.nmsKept) of 300 kept)")
    }

    private func checkModel(on target: Device, report: (Bool, String, String) -> Void) throws {

        let (images, metas, targets, config) = try inputs()
        func step(on device: Device) throws -> (losses: [String: Double], gradients: [Tensor], reads: Int, deviceReads: Int) {
            let m = try MaskRCNN(config: config, seed: 0)
            try m.move(to: device)
            m.train()
            let (before, deviceBefore) = (HostReads.total, HostReads.ofDeviceTensors)
            let (losses, _) = try m.loss(
                images: images.to(device), metas: metas, targets: targets.map { try $0.to(device) },
                context: m.stepContext())
            let names = losses.keys.sorted()
            let total = try names.dropFirst().reduce(losses[names[0]]!) { try $0 + losses[$1]! }
            try total.backward()
            let reads = (HostReads.total - before, HostReads.ofDeviceTensors - deviceBefore)
            var values: [String: Double] = [:]
            for n in names { values[n] = try losses[n]!.item() }
            let gradients = try m.parameters().compactMap { try $0.wrappedValue.grad?.to(.float64).to(.cpu).reshape([-1]) }
            return (values, gradients, reads.0, reads.1)
        }
        let reference = try step(on: .cpu)
        let candidate = try step(on: target)
        var worst = ("", 0.0)
        for (name, value) in reference.losses {
            let other = candidate.losses[name] ?? .nan
            let relative = abs(other - value) / max(abs(value), 1e-6)
            if !(relative <= worst.1) { worst = (name, relative) }
        }
        let refGrad = try Tensor.cat(reference.gradients)
        let gradDiff = reference.gradients.count == candidate.gradients.count
            ? try (Tensor.cat(candidate.gradients) - refGrad).norm().item() / max(try refGrad.norm().item(), 1e-12) : .infinity
        let shape = "\(model), \(images.size(0)) images \(images.size(2))x\(images.size(3)), TF32 off"
        report(worst.1 <= lossTolerance, "maskrcnn losses \(target) vs cpu",
               String(format: "largest relative difference %.2e (%@) of %d terms, tolerance %.0e (%@)",
                      worst.1, worst.0, reference.losses.count, lossTolerance, shape))
        report(gradDiff <= gradientTolerance, "maskrcnn gradients \(target) vs cpu",
               String(format: "relative L2 difference %.2e over %d parameter tensors, tolerance %.0e",
                      gradDiff, reference.gradients.count, gradientTolerance))
        print("INFO host reads in one training forward/backward on \(target): \(candidate.reads) (of device tensors: \(candidate.deviceReads))")
    }

    /// Random images with boxes and box-shaped masks, and the model config.
    private func inputs() throws -> (Tensor, [ImageMeta], [DetectionTargets], MaskRCNNConfig) {
        guard imageSize.count == 2, imageSize.allSatisfy({ $0 >= 64 }) else {
            throw ValidationError("--image-size needs a height and a width of at least 64, not \(imageSize)")
        }
        var config: MaskRCNNConfig
        switch model {
        case "r50": config = MaskRCNNConfig.lvisBaseline(numClasses: 80)
        case "demo": config = MaskRCNNConfig.demo(numClasses: 20)
        default: throw ValidationError("--model: '\(model)' is not r50 or demo")
        }
        let (h, w, n, objects) = (imageSize[0], imageSize[1], 2, 6)
        let g = try Generator(seed: 0)
        let images = try Tensor.randn([n, 3, (h + 31) / 32 * 32, (w + 31) / 32 * 32], generator: g)
        var targets: [DetectionTargets] = []
        for _ in 0..<n {
            let xy = try Tensor.rand([objects, 2], generator: g) * Double(min(h, w) / 2)
            let wh = try Tensor.rand([objects, 2], generator: g) * Double(min(h, w) / 3) + 16.0
            let boxes = try Tensor.cat([xy, xy + wh], dim: 1).floor()
            let b = try boxes.toArray(Float.self)
            var masks = [UInt8](repeating: 0, count: objects * h * w)
            for o in 0..<objects {
                for y in Int(b[4 * o + 1])..<min(Int(b[4 * o + 3]), h) {
                    for x in Int(b[4 * o])..<min(Int(b[4 * o + 2]), w) { masks[o * h * w + y * w + x] = 1 }
                }
            }
            targets.append(DetectionTargets(
                boxes: boxes, labels: try Tensor.randint(0, config.numClasses, [objects], generator: g),
                masks: try Tensor(masks, shape: [objects, h, w])))
        }
        return (images, Array(repeating: ImageMeta(height: h, width: w), count: n), targets, config)
    }
}
