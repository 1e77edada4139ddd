import CTorch

/// How often the host has read tensor data (`item`, `toArray`, CUDA-to-CPU copies): on a CUDA tensor each read
/// waits until the device has finished everything queued before it, so reads on the training step's path cost
/// throughput. Tests and benchmarks take the difference of two snapshots around the code they measure.
public enum HostReads {
    /// Reads since the process started, of tensors on any device (the same code reads CUDA tensors on a GPU).
    public static var total: Int { Int(ct_host_read_count()) }
    /// Reads of tensors that were not on the CPU: actual host-device synchronisations.
    public static var ofDeviceTensors: Int { Int(ct_device_host_read_count()) }

    /// The reads `body` makes on this process (other threads' reads count too: measure with nothing else running).
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, reads: Int) {
        let before = total
        let result = try body()
        return (result, total - before)
    }
}
