import Torch

/// mmdet's `accuracy` (top-1, in percent) for the logged metrics; 0 for an empty set of rows, as mmdet.
enum ClassificationAccuracy {
    static func percent(_ logits: Tensor, _ labels: Tensor) throws -> Double {
        try withNoGrad {
            guard logits.size(0) > 0 else { return 0 }
            return try logits.argmax(dim: 1).eq(labels).to(.float64).mean().item() * 100
        }
    }
}
