import Torch

// Test-time augmentation as mmdet 2.x's Mask R-CNN `aug_test` runs it on the views of mmdet's
// `MultiScaleFlipAug` (one image seen at several scales, each also mirrored):
// 1. RPN proposals of every view, mapped back to original pixels (un-flip in the view, then divide by its
//    scale), concatenated, one NMS at the RPN's IoU threshold, the best `max_per_img` kept
//    (`merge_aug_proposals`);
// 2. those proposals mapped into every view (scale, then flip), the box head run there, boxes decoded and
//    clipped in the view, mapped back; boxes and class scores averaged over the views (`merge_aug_bboxes`),
//    then the single-view `multiclass_nms`;
// 3. the kept boxes mapped into every view, the mask head run there, probabilities of each view un-flipped
//    and averaged (`merge_aug_masks`), pasted at the original size with the kept boxes.
// mmdet sources: mmdet/core/post_processing/merge_augs.py, mmdet/models/roi_heads/test_mixins.py,
// mmdet/models/dense_heads/dense_test_mixins.py (`aug_test_rpn`).

/// The box arithmetic of test-time augmentation (mmdet `bbox_mapping`, `bbox_mapping_back`, the merges).
public enum AugmentedTestMerge {
    /// Boxes (K x 4m) in original pixels mapped into a view: scaled, then mirrored in the view's width.
    public static func toView(_ boxes: Tensor, meta: ImageMeta) throws -> Tensor {
        var mapped = try Boxes(boxes.reshape(-1, 4)).scaled(x: meta.scaleX, y: meta.scaleY)
        if meta.flipped { mapped = try mapped.flippedHorizontally(width: meta.width) }
        return try mapped.tensor.reshape(boxes.shape)
    }

    /// Boxes (K x 4m) of a view mapped back to original pixels: un-mirrored in the view's width, then divided
    /// by its scale.
    public static func toOriginal(_ boxes: Tensor, meta: ImageMeta) throws -> Tensor {
        var mapped = Boxes(try boxes.reshape(-1, 4))
        if meta.flipped { mapped = try mapped.flippedHorizontally(width: meta.width) }
        return try mapped.scaled(x: 1 / meta.scaleX, y: 1 / meta.scaleY).tensor.reshape(boxes.shape)
    }

    /// One view's RPN proposals (K x 4 in view pixels, K objectness scores), for callers outside the model.
    public static func viewProposals(boxes: Tensor, scores: Tensor) -> Proposals { Proposals(boxes: boxes, scores: scores) }

    /// mmdet `merge_aug_proposals`: every view's proposals in original pixels, one NMS over all of them, the
    /// best `maxPerImage` by objectness.
    public static func mergeProposals(_ proposals: [Proposals], metas: [ImageMeta], iouThreshold: Double, maxPerImage: Int)
        throws -> Proposals
    {
        let boxes = try Tensor.cat(zip(proposals, metas).map { try toOriginal($0.boxes, meta: $1) })
        let scores = try Tensor.cat(proposals.map(\.scores))
        // NMS returns its survivors by descending score: the first `maxPerImage` are the best.
        let keep = try DetectionOps.nms(boxes: boxes, scores: scores, iouThreshold: iouThreshold)
            .slice(dim: 0, end: maxPerImage)
        return Proposals(boxes: try boxes.index(keep), scores: try scores.index(keep))
    }

    /// mmdet `merge_aug_bboxes`: each view's decoded boxes (N x 4C, the same N RoIs in every view) mapped back to
    /// original pixels and averaged; class scores (N x C) averaged.
    public static func mergeBoxes(_ boxes: [Tensor], scores: [Tensor], metas: [ImageMeta]) throws
        -> (boxes: Tensor, scores: Tensor)
    {
        let recovered = try zip(boxes, metas).map { try toOriginal($0, meta: $1) }
        return (try Tensor.stack(recovered, dim: 0).mean(dim: 0), try Tensor.stack(scores, dim: 0).mean(dim: 0))
    }

    /// mmdet `merge_aug_masks`: each view's mask probabilities (K x S x S) un-mirrored where the view was
    /// mirrored, averaged.
    public static func mergeMasks(_ probabilities: [Tensor], metas: [ImageMeta]) throws -> Tensor {
        let recovered = try zip(probabilities, metas).map { $1.flipped ? try $0.flip([2]) : $0 }
        return try Tensor.stack(recovered, dim: 0).mean(dim: 0)
    }
}

extension ImageMeta {
    /// A view of an image of `originalWidth` x `originalHeight`: scaled to `width` x `height` and maybe mirrored.
    public static func view(
        originalWidth: Int, originalHeight: Int, width: Int, height: Int, scaleX: Double, scaleY: Double, mirrored: Bool
    ) -> ImageMeta {
        ImageMeta(
            imageID: 0, path: "", originalWidth: originalWidth, originalHeight: originalHeight, width: width,
            height: height, scaleX: scaleX, scaleY: scaleY, flipped: mirrored)
    }
}

extension MaskRCNN {
    /// The detections of one image from several views of it (`images[v]`: 1 x 3 x H x W, `metas[v]` saying how
    /// view v was made), merged as mmdet's `aug_test`; in original pixels (call in evaluation mode).
    public func predictAugmented(images: [Tensor], metas: [ImageMeta]) throws -> Detections {
        guard !images.isEmpty, images.count == metas.count, images.allSatisfy({ $0.size(0) == 1 }) else {
            throw TorchError("MaskRCNN.predictAugmented: needs one 1-image tensor per view, got \(images.count) tensors, \(metas.count) metas")
        }
        return try withNoGrad {
            let features = try images.map { try self.features($0) }
            let perView = try zip(features, metas).map { f, meta in
                try rpnHead.proposals(rpnHead(f), metas: [meta], config: config.testCfg.rpn)[0]
            }
            let proposals = try AugmentedTestMerge.mergeProposals(
                perView, metas: metas, iouThreshold: config.testCfg.rpn.iouThreshold,
                maxPerImage: config.testCfg.rpn.maxPerImage)
            return try roiHead.predictAugmented(
                features: features.map { Array($0.prefix(4)) }, proposals: proposals.boxes, metas: metas,
                config: config.testCfg.rcnn)
        }
    }
}

extension StandardRoIHead {
    /// The second stage over the views of one image (`features[v]`: P2..P5 of view v) given the merged
    /// proposals in original pixels: mmdet's `aug_test_bboxes` then `aug_test_mask`.
    func predictAugmented(features: [[Tensor]], proposals: Tensor, metas: [ImageMeta], config: RCNNTestConfig) throws
        -> Detections
    {
        let c = bboxHead.numClasses
        var viewBoxes: [Tensor] = [], viewScores: [Tensor] = []
        for (levels, meta) in zip(features, metas) {
            let inView = try AugmentedTestMerge.toView(proposals, meta: meta)
            let output = try boxPredictions(boxPooler(levels, rois: makeRoIs([inView])))
            viewScores.append(try bboxHead.classificationLoss.scores(output.logits).slice(dim: 1, end: c))
            viewBoxes.append(try coder.decode(boxes: inView, deltas: output.deltas, maxShape: meta.inputSize).reshape(-1, 4 * c))
        }
        let merged = try AugmentedTestMerge.mergeBoxes(viewBoxes, scores: viewScores, metas: metas)
        var detections = try Self.multiclassNMS(boxes: merged.boxes.reshape(-1, c, 4), scores: merged.scores, config: config)
        guard let maskHead else { return detections }
        let (h, w) = metas[0].originalSize
        let k = detections.count
        if k == 0 {
            detections.masks = try Tensor.zeros([0, h, w], dtype: .uint8)
            return detections
        }
        // Only each detection's own class channel is pasted: selecting it before averaging gives the same
        // numbers as mmdet's average over all C channels without K x C x S x S per view.
        var probabilities: [Tensor] = []
        for (levels, meta) in zip(features, metas) {
            let logits = try maskHead(maskPooler(levels, rois: makeRoIs([AugmentedTestMerge.toView(detections.boxes, meta: meta)])))
            let rows = try Tensor.arange(k, device: logits.device) * Tensor(scalar: Double(maskHead.numClasses), dtype: .int64)
                + detections.labels
            probabilities.append(try logits.reshape(k * maskHead.numClasses, maskSize, maskSize).index(rows).sigmoid())
        }
        let mask = try AugmentedTestMerge.mergeMasks(probabilities, metas: metas)
        detections.masks = try pasteMasks(mask, boxes: detections.boxes, height: h, width: w, threshold: config.maskThreshold)
        return detections
    }
}
