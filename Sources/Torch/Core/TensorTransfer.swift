import CTorch

/// Copies between host and device that do not make the host wait.
extension Tensor {
    /// A copy in page-locked host memory, from which a copy to a CUDA device can run asynchronously. Needs
    /// a CUDA runtime (libtorch throws without one).
    public func pinned() throws -> Tensor { try .make { ct_pin_memory(handle, $0) } }

    /// This tensor on `device`, copied with `non_blocking`: from pinned memory to CUDA the copy is queued on
    /// the current stream and the host goes on (work queued after it on that stream sees the data).
    public func to(_ device: Device, nonBlocking: Bool) throws -> Tensor {
        if device == self.device { return self }
        guard nonBlocking else { return try to(device) }
        return try .make { ct_to_non_blocking(handle, device.code, $0) }
    }
}
