import Torch

// PCB's iterative RoI head (megvii-research/PCB `IterativeRoIHead`, the "iterative learning paradigm"): the
// box head runs `nIter` times with shared weights, and after each pass its own predictions re-weight the RoI
// feature, F_{r+1} = F_r * s + b, with a channel bias b = MLP_cls(z_r) (256 x 1 x 1) and a spatial scale
// s = MLP_loc(d_r) (1 x 7 x 7). Later passes see features conditioned on what earlier ones confused.
// Training: the box head's loss is called once per pass (so every method's running state, the PCB confusion
// matrix and Seesaw counts included, updates once per pass, as in the original), with the PCB strength ramped
// a_r = a r/(R-1); each pass's terms are weighted by `iterLossWeight` and summed, and `loss_bbox` is the
// `regIter` pass's alone, unweighted. Testing uses the last pass.
// State names as PCB: `roi_head.cls_sub_module.layers.fc1.weight`, `roi_head.loc_sub_module.layers.fc2.bias`.
public final class IterativeRoIHead: StandardRoIHead {
    public let clsSubModule: RefinementMLP
    public let locSubModule: RefinementMLP
    public let nIter: Int
    public let iterLossWeight: [Double]
    /// The pass whose box loss is kept unweighted; nil keeps the weighted sum of every pass's box loss.
    public let regIter: Int?

    public init(
        bboxHead: Shared2FCBoxHead, maskHead: FCNMaskHead?, boxPooler: MultiLevelRoIAlign,
        maskPooler: MultiLevelRoIAlign, coder: DeltaXYWHBoxCoder, assigner: MaxIoUAssigner, sampler: RandomSampler,
        maskSize: Int, longTailComponents: [any LongTailComponent], featureChannels: Int, roiSize: Int,
        nIter: Int, iterLossWeight: [Double], regIter: Int?, useLayerNorm: Bool
    ) throws {
        guard nIter >= 2, iterLossWeight.count == nIter else {
            throw TorchError(
                "model.roi_head: IterativeRoIHead needs n_iter >= 2 and one iter_loss_weight per pass, got n_iter \(nIter) "
                    + "and iter_loss_weight \(iterLossWeight)")
        }
        if let r = regIter, !(0..<nIter).contains(r) {
            throw TorchError("model.roi_head.reg_iter: \(r) is not a pass of 0..<\(nIter) (-1 keeps the weighted sum)")
        }
        clsSubModule = try RefinementMLP(
            input: bboxHead.classificationLoss.outputWidth, hidden: 512, output: featureChannels,
            useLayerNorm: useLayerNorm)
        locSubModule = try RefinementMLP(
            input: 4 * bboxHead.numClasses, hidden: 512, output: roiSize * roiSize, useLayerNorm: false)
        self.nIter = nIter
        self.iterLossWeight = iterLossWeight
        self.regIter = regIter
        super.init(
            bboxHead: bboxHead, maskHead: maskHead, boxPooler: boxPooler, maskPooler: maskPooler, coder: coder,
            assigner: assigner, sampler: sampler, maskSize: maskSize, longTailComponents: longTailComponents)
    }

    /// Every pass's output; `first` is the first pass when the caller already ran it.
    public func passes(_ roiFeatures: Tensor, first: BoxHeadOutput? = nil) throws -> [BoxHeadOutput] {
        var outputs = [try first ?? bboxHead(roiFeatures)]
        var current = roiFeatures
        while outputs.count < nIter {
            let last = outputs[outputs.count - 1]
            let n = current.size(0)
            let channelBias = try clsSubModule(last.logits).view(n, current.size(1), 1, 1)
            let spatialScale = try locSubModule(last.deltas).view(n, 1, current.size(2), current.size(3))
            current = try current * spatialScale + channelBias
            outputs.append(try bboxHead(current))
        }
        return outputs
    }

    /// a_r = a r / (R-1); nil when the loss has no PCB.
    public func pcbStrength(pass: Int) -> Double? {
        bboxHead.classificationLoss.pcb.map { $0.alpha * Double(pass) / Double(nIter - 1) }
    }

    override func boxLoss(first: BoxHeadOutput, rois: SampledRoIs, extra: ExtraRowPredictions?, context: TrainingStepContext)
        throws -> LossTerms
    {
        let outputs = try passes(rois.roiFeatures, first: first)
        var losses: [String: Tensor] = [:]
        var metrics: [String: Double] = [:]
        var boxLosses: [Tensor] = []
        for (pass, output) in outputs.enumerated() {
            let terms = try bboxHead.loss(output, rois: rois, extra: extra, context: context, pcbStrength: pcbStrength(pass: pass))
            let weight = iterLossWeight[pass]
            for (name, value) in terms.losses {
                let weighted = try value * weight
                losses[name] = try losses[name].map { try $0 + weighted } ?? weighted
            }
            for (name, value) in terms.metrics { metrics[name, default: 0] += value * weight }
            boxLosses.append(terms.losses["loss_bbox"]!)
        }
        if let r = regIter { losses["loss_bbox"] = boxLosses[r] }
        return LossTerms(losses: losses, metrics: metrics)
    }

    override public func boxPredictions(_ roiFeatures: Tensor) throws -> (logits: Tensor, deltas: Tensor) {
        let last = try passes(roiFeatures).last!
        return (last.logits, last.deltas)
    }
}
