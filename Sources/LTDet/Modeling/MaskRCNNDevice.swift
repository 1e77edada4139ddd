import Torch

/// Where a detector runs: its parameters' device; `move(to:)` takes the weights, buffers and the running
/// state of the long-tail methods there together.
extension MaskRCNN {
    /// The device of the model's parameters (read from the RPN's first convolution: walking every parameter
    /// on each step would cost more than the answer is worth; `move(to:)` moves them all together).
    public var device: Device { rpnHead.rpnConv.weight.device }

    /// Moves the weights and buffers (`Module.to`) and every stateful component of the RoI head (Seesaw counts,
    /// EQL v2 sums, PCB's confusion matrix, EBL's mean scores; memories follow their own settings) to `device`.
    /// Build the optimiser after this: it holds the parameters' tensors.
    public func move(to device: Device) throws {
        try to(device)
        for (_, component) in roiHead.statefulComponents() { try component.moveState(to: device) }
    }
}
