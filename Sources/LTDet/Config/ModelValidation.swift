/// The model choices made by `type` names, checked once when a config file is loaded so that a misspelt type
/// or an impossible combination names the file and the key before anything is built or trained.
extension MaskRCNNConfig {
    public func validate(file: String) throws {
        let head = "model.roi_head"
        if let type = roiHead.type, !RoIHeadFactory.types.contains(type) {
            throw ConfigError(
                file: file, key: "\(head).type",
                "unknown RoI head '\(type)' (expected \(RoIHeadFactory.types.joined(separator: " or ")))")
        }
        if let type = roiHead.bboxHead.type, type != "Shared2FCBBoxHead" {
            throw ConfigError(file: file, key: "\(head).bbox_head.type", "unknown box head '\(type)' (expected Shared2FCBBoxHead)")
        }
        if let loss = roiHead.bboxHead.lossCls,
            let problem = ClassificationLossFactory.problem(loss: loss, pcb: roiHead.bboxHead.pcb)
        {
            throw ConfigError(file: file, key: "\(head).bbox_head.\(problem.key)", problem.message)
        }
        if let type = roiHead.maskHead?.predictorCfg?.type, !["Conv2d", "NormedConv2d"].contains(type) {
            throw ConfigError(
                file: file, key: "\(head).mask_head.predictor_cfg.type", "unknown layer '\(type)' (Conv2d or NormedConv2d)")
        }
        let known = LongTailComponentRegistry.registeredTypes
        for (i, component) in (roiHead.longTail ?? []).enumerated() where !known.contains(component.type) {
            throw ConfigError(
                file: file, key: "\(head).long_tail[\(i)].type",
                "unknown component '\(component.type)'" + (known.isEmpty ? " (none is registered)" : " (known: \(known.joined(separator: ", ")))"))
        }
    }
}
