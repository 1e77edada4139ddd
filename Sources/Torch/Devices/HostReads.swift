import CTorch

/// How often this thread has read tensor data (`item`, `toArray`, CUDA-to-CPU copies, the gradient norm of
/// clipping): on a CUDA tensor each read waits until the device has finished everything queued before it, so
/// reads on the training step's path cost throughput. Counted per thread, so a measurement sees the code it
/// wraps and not loader threads or other tests; take the difference of two snapshots.
public enum HostReads {
    /// This thread's reads so far, of tensors on any device (the same code reads CUDA tensors on a GPU).
    public static var total: Int { Int(ct_host_read_count()) }
    /// This thread's reads of tensors that were not on the CPU: actual host-device synchronisations.
    public static var ofDeviceTensors: Int { Int(ct_device_host_read_count()) }

    /// The reads `body` makes on this thread.
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, reads: Int) {
        let before = total
        let result = try body()
        return (result, total - before)
    }
}
