import CTorch
import Foundation

/// Process-wide libtorch settings.
public enum Runtime {
    /// Sets libtorch's intra-op thread count from `LTDET_NUM_THREADS`, defaulting to the number of cores.
    public static func configureThreads() {
        let env = ProcessInfo.processInfo.environment["LTDET_NUM_THREADS"].flatMap { Int32($0) }
        let n = env ?? Int32(ProcessInfo.processInfo.activeProcessorCount)
        ct_set_num_threads(max(1, n))
    }

    public static var numThreads: Int { Int(ct_get_num_threads()) }
    public static var cudaDeviceCount: Int { Int(ct_cuda_device_count()) }
    public static var cudaIsAvailable: Bool { ct_cuda_is_available() != 0 }

    /// Seeds libtorch's default generator (components that need reproducibility own a `Generator`).
    public static func manualSeed(_ seed: UInt64) { ct_manual_seed(seed) }
}
