import Torch

/// Loading one named state tensor of a loss from a checkpoint. The loaded tensor replaces the current one
/// (a copy, in its own dtype) so that a float64 reference run stays float64; its shape must match.
enum LossState {
    static func restore(_ name: String, from state: [String: Tensor], into current: inout Tensor, owner: String)
        throws
    {
        guard let loaded = state[name] else {
            throw TorchError("\(owner): checkpoint state lacks '\(name)'")
        }
        guard loaded.shape == current.shape else {
            throw TorchError("\(owner): checkpoint '\(name)' has shape \(loaded.shape), expected \(current.shape)")
        }
        current = try withNoGrad { try loaded.detach().clone().to(current.device) }
    }
}
