import Torch

/// Mask R-CNN as the trainer drives it: a loader batch in, mmdet's loss terms out; the state that must
/// survive a resume besides weights is the RoI/anchor sampling generator and whatever the RoI head's stateful
/// components hold (the classification loss's Seesaw counts, EQL v2 gradient sums, PCB confusion matrix, EBL
/// mean scores as `cls_loss.*`, each long-tail component's memories as `long_tail.<i>.*`), found by walking them.
extension MaskRCNN: TrainableModel {
    public func step(_ batch: ImageBatch, progress: TrainingProgress) throws -> StepOutput {
        let device = self.device
        let images = try batch.imagesTensor(on: device)
        let targets = try zip(batch.targets, batch.metas).map { target, meta in
            try DetectionTargets(target, meta: meta, withMasks: roiHead.maskHead != nil).to(device)
        }
        let context = stepContext(iteration: progress.iteration, epoch: progress.epoch)
        let output = try loss(images: images, metas: batch.metas, targets: targets, context: context)
        return StepOutput(losses: output.losses, metrics: output.metrics)
    }

    public func methodState() throws -> [String: Tensor] {
        var state: [String: Tensor] = ["sampling_generator": try samplingGenerator.state()]
        for (prefix, component) in roiHead.statefulComponents() {
            for (k, v) in component.stateDict() { state["\(prefix).\(k)"] = v }
        }
        return state
    }

    public func loadMethodState(_ state: [String: Tensor]) throws {
        if let g = state["sampling_generator"] { try samplingGenerator.setState(g) }
        for (prefix, component) in roiHead.statefulComponents() {
            let own = prefix + "."
            var part: [String: Tensor] = [:]
            for (k, v) in state where k.hasPrefix(own) { part[String(k.dropFirst(own.count))] = v }
            try component.loadStateDict(part)
        }
    }
}

extension DetectionTargets {
    /// The tensors of one image's loader targets; masks are rasterised at the unpadded input size unless the
    /// pipeline kept them as outlines (`poly2mask: false`).
    public init(_ targets: ImageTargets, meta: ImageMeta, withMasks: Bool) throws {
        let n = targets.boxes.count
        let boxes = try Tensor(targets.flatBoxes, shape: [n, 4])
        let labels = try Tensor(targets.labels.map(Int64.init))
        var masks: Tensor?
        var outlines: [[[Point2D]]]?
        if withMasks {
            if let kept = targets.maskOutlines {
                outlines = kept
            } else {
                let bitmaps = targets.maskBitmaps(width: meta.width, height: meta.height)
                masks = try Tensor(bitmaps.flatMap(\.values), shape: [n, meta.height, meta.width])
            }
        }
        self.init(boxes: boxes, labels: labels, masks: masks, maskOutlines: outlines)
    }

    /// The targets on `device`.
    public func to(_ device: Device) throws -> DetectionTargets {
        DetectionTargets(boxes: try boxes.to(device), labels: try labels.to(device), masks: try masks?.to(device))
    }
}
