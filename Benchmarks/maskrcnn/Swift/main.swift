// Mask R-CNN timing: one training iteration (forward, backward, SGD step) and one inference, medians over
// repetitions after a warm-up, plus the process's peak resident memory; then one more of each under
// `StageProfiler` (exclusive seconds and host reads per stage).
//   bench-maskrcnn r50 INPUTS.safetensors [REPS] [OUT_DIR|-] [DEVICE]
//                                                  R50-FPN on images/targets written by torchvision_bench.py;
//                                                  OUT_DIR: write the initial weights (ltdet_weights.safetensors,
//                                                  mmdet names) and the first inference's detections
//                                                  (ltdet_detections.safetensors) for run.sh's peer and check;
//                                                  DEVICE: cpu (default), cuda, cuda:N
//   bench-maskrcnn demo [REPS]                     the demo preset: batch 4, 160 px, 20 classes
//   r50-iterative, demo-iterative                  the same with PCB's iterative RoI head (3 box-head passes)
// Threads: LTDET_NUM_THREADS.
import Foundation
import LTDet
import Torch

#if canImport(Glibc)
import Glibc
#endif

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Times `reps` training steps and inferences (after one warm-up each) and prints one JSON line.
/// Runs `body` under the stage profiler: its stages, their host reads and the whole time.
func profiled(_ body: () throws -> Void) throws -> (seconds: [String: Double], hostReads: [String: Int]) {
    StageProfiler.start()
    let total = try seconds(body)
    let stages = StageProfiler.stop()
    var times = stages.mapValues(\.seconds)
    times["total"] = total
    return (times, stages.mapValues(\.hostReads).filter { $0.value > 0 })
}

func run(
    name: String, model: MaskRCNN, images: Tensor, metas: [ImageMeta], targets: [DetectionTargets], reps: Int,
    lr: Double, detectionsOut: URL? = nil, device: Device = .cpu
) throws {
    try model.move(to: device)
    let images = try images.to(device)
    let targets = try targets.map { try $0.to(device) }
    let optimizer = SGD(model.trainableParameters(), lr: lr, momentum: 0.9, weightDecay: 1e-4)
    var lossValues: [String: Double] = [:]
    // The loss values are read for the report in the timed steps (as torchvision_bench.py reads them), not in the
    // profiled one, whose host reads are the model's own.
    func trainStep(readLosses: Bool) throws {
        let (losses, _) = try model.loss(images: images, metas: metas, targets: targets, context: model.stepContext())
        let total = try losses.values.dropFirst().reduce(losses.values.first!) { try $0 + $1 }
        try StageProfiler.measure("zero_grad") { try optimizer.zeroGrad() }
        try StageProfiler.measure("backward") { try total.backward() }
        try StageProfiler.measure("optimizer.step") { try optimizer.step() }
        if readLosses { lossValues = try losses.mapValues { try $0.item() } }
    }
    var train: [Double] = []
    model.train()
    for i in 0...reps {
        let t = try seconds { try trainStep(readLosses: true) }
        if i > 0 { train.append(t) }
    }
    let trainPeak = peakRSSMegabytes()
    let trainProfile = try profiled { try trainStep(readLosses: false) }
    model.eval()
    var infer: [Double] = []
    var found = 0
    for i in 0...reps {
        var detections: [Detections] = []
        let t = try seconds {
            detections = try model.predict(images: images, metas: metas)
            // Waits for the device (queued work ends with the last image), as torch.cuda.synchronize on the peer side.
            if let last = detections.last, last.count > 0 { _ = try last.scores.sum().item() }
        }
        found = detections.reduce(0) { $0 + $1.count }
        if i > 0 { infer.append(t) }
        if i == 0, let detectionsOut {
            var file: [String: Tensor] = [:]
            for (k, d) in detections.enumerated() {
                (file["boxes\(k)"], file["scores\(k)"], file["labels\(k)"]) = (d.boxes, d.scores, d.labels)
            }
            try Safetensors.save(file, to: detectionsOut)
        }
    }
    let inferenceProfile = try profiled { _ = try model.predict(images: images, metas: metas) }
    let line: [String: Any] = [
        "framework": "ltdet", "model": name, "threads": Runtime.numThreads, "images": images.size(0),
        "input": [images.size(2), images.size(3)], "train_step_s": median(train), "train_runs_s": train,
        "inference_s": median(infer), "inference_runs_s": infer, "detections": found, "losses": lossValues,
        "peak_rss_mb_after_train": trainPeak, "peak_rss_mb": peakRSSMegabytes(), "device": device.description,
        "train_profile_s": trainProfile.seconds, "train_host_reads": trainProfile.hostReads,
        "inference_profile_s": inferenceProfile.seconds, "inference_host_reads": inferenceProfile.hostReads,
    ]
    let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// `roiHeadType`: `IterativeRoIHead` for the *-iterative modes, else nil (mmdet's standard head).
func r50(inputs path: String, reps: Int, outDir: URL?, roiHeadType: String?, device: Device) throws {
    let file = try Safetensors.load(from: URL(fileURLWithPath: path)).tensors
    let images = file["images"]!
    let n = images.size(0)
    let sizes = try file["image_sizes"]!.toArray(Int64.self)
    let metas = (0..<n).map { ImageMeta(height: Int(sizes[2 * $0]), width: Int(sizes[2 * $0 + 1])) }
    let targets = (0..<n).map {
        DetectionTargets(boxes: file["boxes\($0)"]!, labels: file["labels\($0)"]!, masks: file["masks\($0)"]!)
    }
    var config = MaskRCNNConfig.lvisBaseline(numClasses: Int(try file["num_classes"]!.item()))
    // torchvision's detection ResNet: frozen BN; the same layers train (stage 1 frozen).
    config.backbone.norm = .frozenBN
    config.testCfg.rcnn.maxPerImage = Int(try file["detections_per_img"]!.item())
    config.testCfg.rcnn.scoreThreshold = try file["score_thresh"]!.item()
    config.roiHead.type = roiHeadType
    Runtime.manualSeed(0)
    let model = try MaskRCNN(config: config, seed: 0)
    if let outDir {
        let weights = Dictionary(uniqueKeysWithValues: model.namedState().map { ($0.0, $0.1.tensor) })
        try Safetensors.save(weights, to: outDir.appendingPathComponent("ltdet_weights.safetensors"))
    }
    try run(
        name: "maskrcnn_r50_fpn", model: model, images: images, metas: metas, targets: targets, reps: reps, lr: 0,
        detectionsOut: outDir?.appendingPathComponent("ltdet_detections.safetensors"), device: device)
}

func demo(reps: Int, roiHeadType: String?) throws {
    let (batch, size, classes) = (4, 160, 20)
    Runtime.manualSeed(0)
    let g = try Generator(seed: 0)
    let images = try Tensor.randn([batch, 3, size, size], generator: g)
    var targets: [DetectionTargets] = []
    for _ in 0..<batch {
        let m = 4
        let xy = try Tensor.rand([m, 2], generator: g) * Double(size - 60)
        let wh = try Tensor.rand([m, 2], generator: g) * 40.0 + 16.0
        let boxes = try Tensor.cat([xy, xy + wh], dim: 1).floor()
        let b = try boxes.toArray(Float.self)
        var masks = [UInt8](repeating: 0, count: m * size * size)
        for k in 0..<m {
            for y in Int(b[4 * k + 1])..<Int(b[4 * k + 3]) {
                for x in Int(b[4 * k])..<Int(b[4 * k + 2]) { masks[k * size * size + y * size + x] = 1 }
            }
        }
        targets.append(
            DetectionTargets(
                boxes: boxes, labels: try Tensor.randint(0, classes, [m], generator: g),
                masks: try Tensor(masks, shape: [m, size, size])))
    }
    let metas = Array(repeating: ImageMeta(height: size, width: size), count: batch)
    var config = MaskRCNNConfig.demo(numClasses: classes)
    config.roiHead.type = roiHeadType
    let model = try MaskRCNN(config: config, seed: 0)
    try run(name: "demo_r18_fpn", model: model, images: images, metas: metas, targets: targets, reps: reps, lr: 0.01)
}

Runtime.configureProcess()
let args = CommandLine.arguments
var mode = args.count > 1 ? args[1] : ""
let iterative = mode.hasSuffix("-iterative")
if iterative { mode = String(mode.dropLast("-iterative".count)) }
let roiHead = iterative ? "IterativeRoIHead" : nil
/// REPS at `index`, or `fallback` when absent; the medians need at least one timed step after the warm-up.
func repetitions(at index: Int, fallback: Int) -> Int {
    guard args.count > index else { return fallback }
    guard let reps = Int(args[index]), reps >= 1 else {
        FileHandle.standardError.write(Data("bench-maskrcnn: REPS must be a whole number >= 1, got '\(args[index])'\n".utf8))
        exit(2)
    }
    return reps
}

switch mode {
case "r50" where args.count > 2:
    let device = try Device.resolve(args.count > 5 ? args[5] : "cpu", cudaDeviceCount: Runtime.cudaDeviceCount)
    try r50(
        inputs: args[2], reps: repetitions(at: 3, fallback: 3),
        outDir: args.count > 4 && args[4] != "-" ? URL(fileURLWithPath: args[4]) : nil, roiHeadType: roiHead,
        device: device)
case "demo": try demo(reps: repetitions(at: 2, fallback: 10), roiHeadType: roiHead)
default:
    print("usage: bench-maskrcnn r50[-iterative] INPUTS.safetensors [REPS] [OUT_DIR|-] [DEVICE] | bench-maskrcnn demo[-iterative] [REPS]")
    exit(2)
}
