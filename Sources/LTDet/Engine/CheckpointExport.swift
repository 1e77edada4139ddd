import Foundation
import Torch

/// Writes a checkpoint's weights as a PyTorch file that other tools load (what `ltdet export` runs).
/// - `mmdet`: an mmcv checkpoint `{meta, state_dict}`; LTDet's parameter names are mmdet 2.x's, so
///   `mmdet.apis.init_detector` / `load_from` of the same architecture reads it.
/// - `torchvision`: the backbone alone under torchvision's ResNet names (`backbone.` removed), for
///   `torchvision.models.resnetNN().load_state_dict(sd, strict=False)` (only `fc.*` is missing).
/// BatchNorm layers there count batches (`num_batches_tracked`); LTDet's frozen BN has no counter, so a zero is
/// written where one is absent and both tools load without missing keys.
public enum CheckpointExport {
    public enum Format: String, CaseIterable, Sendable {
        case mmdet
        case torchvision
    }

    public static func write(_ checkpoint: Checkpoint, format: Format, to url: URL) throws {
        let writer = PyTorchFileWriter()
        switch format {
        case .mmdet:
            // mmcv's meta counts completed epochs; LTDet's state holds the epoch in progress.
            var entries: [(PickleValue, PickleValue)] = [
                (.string("epoch"), .int(checkpoint.state.epoch - 1)), (.string("iter"), .int(checkpoint.state.iteration)),
                (.string("exported_by"), .string("ltdet")),
            ]
            // mmdet's inference_detector names classes from meta.CLASSES, a tuple of names in label order.
            if let classes = checkpoint.classes {
                entries.append((.string("CLASSES"), .tuple(classes.names.map { .string($0) })))
            }
            let meta = PickleValue.dict(PickleDict(entries))
            let stateDict = try writer.stateDict(withBatchCounters(checkpoint.model))
            try writer.write(.dict(PickleDict([(.string("meta"), meta), (.string("state_dict"), stateDict)])), to: url)
        case .torchvision:
            let prefix = "backbone."
            let backbone = Dictionary(uniqueKeysWithValues: checkpoint.model.filter { $0.key.hasPrefix(prefix) }.map {
                (String($0.key.dropFirst(prefix.count)), $0.value)
            })
            guard !backbone.isEmpty else {
                throw TorchError("\(url.path): the checkpoint has no backbone.* weights to export as a torchvision ResNet")
            }
            try writer.write(try writer.stateDict(withBatchCounters(backbone)), to: url)
        }
    }

    static func withBatchCounters(_ tensors: [String: Tensor]) throws -> [String: Tensor] {
        var result = tensors
        for name in tensors.keys where name.hasSuffix(".running_mean") {
            let counter = String(name.dropLast("running_mean".count)) + "num_batches_tracked"
            if result[counter] == nil { result[counter] = try Tensor.zeros([], dtype: .int64) }
        }
        return result
    }
}
