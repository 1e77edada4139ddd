import Torch

/// A long-tail method that is not a classification loss: it owns its running state (memories, counts),
/// observes each training step's sampled RoIs, may add rows to the box head's losses, and is saved and
/// restored by walking the model's components (docs/developer/long-tail-seam.md). A new method is one type
/// conforming to this protocol plus a line in `LongTailComponentRegistry` and its config.
public protocol LongTailComponent: StatefulComponent {
    /// Called once per training step after the box head's first pass over the sampled RoIs (so `shared`
    /// holds their features after the shared FCs) and before its losses; returns the rows to add, or nil.
    func extraRows(for rois: SampledRoIs, shared: Tensor, context: TrainingStepContext) throws -> ExtraRoIRows?
}

/// Anything with running state that must survive a resume exactly. Names are relative to the component.
public protocol StatefulComponent: AnyObject {
    func stateDict() -> [String: Tensor]
    func loadStateDict(_ state: [String: Tensor]) throws
    /// Moves the state to the device of the parameters that use it (`MaskRCNN.move(to:)`). A component whose
    /// state is created at initialisation must implement it; one that creates its state from the tensors of
    /// the first step (on their device) or keeps it on the CPU by design can leave the default, which does nothing.
    func moveState(to device: Device) throws
}

extension StatefulComponent {
    public func moveState(to device: Device) throws {}
}

/// Rows a component adds to the box head's losses (replayed or sampled objects).
public struct ExtraRoIRows {
    /// Where the features enter the box head.
    public enum Stage {
        /// R x C x S x S RoI features: through the shared FCs, the classifier and the regressor (LOCE's MFS).
        case pooled
        /// R x F features after the shared FCs: through the classifier and the regressor only (RIO's replay).
        case shared
    }

    public var stage: Stage
    public var features: Tensor
    /// R int64 labels (background = C).
    public var labels: Tensor
    /// R x 4 encoded regression targets; nil adds the rows to the classification loss only.
    public var boxTargets: Tensor?

    public init(stage: Stage, features: Tensor, labels: Tensor, boxTargets: Tensor? = nil) {
        self.stage = stage
        self.features = features
        self.labels = labels
        self.boxTargets = boxTargets
    }
}
