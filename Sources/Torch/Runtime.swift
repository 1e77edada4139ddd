import CTorch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Process-wide libtorch settings.
public enum Runtime {
    /// Sets libtorch's intra-op thread count from `LTDET_NUM_THREADS` (default: the number of cores) and keeps
    /// freed tensor memory in the process for reuse (`keepFreedMemoryForReuse`). Call first thing in a command.
    public static func configureProcess() {
        let env = ProcessInfo.processInfo.environment["LTDET_NUM_THREADS"].flatMap { Int32($0) }
        let n = env ?? Int32(ProcessInfo.processInfo.activeProcessorCount)
        ct_set_num_threads(max(1, n))
        keepFreedMemoryForReuse()
    }

    /// Makes glibc's malloc serve large blocks from its heap and keep freed ones for the next request, unless
    /// the user configured malloc (any `MALLOC_*` variable or `GLIBC_TUNABLES`), which then stands.
    ///
    /// By default glibc maps every block above 32 MiB (and, until its threshold adapts, above 128 KiB) with a
    /// fresh `mmap` and unmaps it on free. A detector's step allocates and frees feature maps of that size
    /// dozens of times, so each step faults every page of them in again, zero-filled by the kernel: one R50-FPN
    /// training step and inference on 2 images of 640 x 853 (Benchmarks/maskrcnn) spent 49 s of system time in
    /// 17 million page faults over 10 steps, against 8 s and 0.9 million with this policy, and each step got
    /// 15-35% faster. The price is a higher peak resident size (2.6 -> 3.6 GB there): freed blocks stay in
    /// the heap, which is only trimmed when more than 1 GiB at its top is free. Setting
    /// `MALLOC_MMAP_MAX_=65536` restores glibc's behaviour.
    public static func keepFreedMemoryForReuse() {
        let environment = ProcessInfo.processInfo.environment
        guard !environment.keys.contains(where: { $0.hasPrefix("MALLOC_") || $0 == "GLIBC_TUNABLES" }) else { return }
        _ = ct_malloc_keep_freed_blocks(1 << 30)
    }

    public static var numThreads: Int { Int(ct_get_num_threads()) }
    /// CUDA devices libtorch can use (after loading its CUDA backend, `CUDABackend`, if there is one).
    public static var cudaDeviceCount: Int {
        CUDABackend.load()
        return Int(ct_cuda_device_count())
    }
    /// The libtorch version LTDet was built against, for run records.
    public static var libtorchVersion: String { String(cString: ct_torch_version()) }
    public static var cudaIsAvailable: Bool {
        CUDABackend.load()
        return ct_cuda_is_available() != 0
    }

    /// Restarts the process with `OMP_WAIT_POLICY=PASSIVE` unless the variable is already set.
    ///
    /// libtorch's OpenMP threads spin while they wait for work (libgomp's default). When other threads need
    /// the same cores — the data loader's workers, other processes — a spinning thread keeps a core from
    /// them and a descheduled one stalls every parallel region: a demo training step on 2 cores ran 6x
    /// slower with spinning threads than with sleeping ones. libgomp reads the policy once, when it is
    /// loaded, so it can only be changed by starting again. Call first thing in commands that train or test.
    public static func relaunchWithPassiveOpenMPWaiting() {
        guard ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"] == nil else { return }
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1)
        var arguments = CommandLine.arguments.map { strdup($0) }
        arguments.append(nil)
        execv("/proc/self/exe", &arguments)
        // execv returns only on failure: carry on with the default policy.
        for a in arguments { free(a) }
    }

    /// Allows or forbids TF32 (10-bit mantissa) arithmetic in CUDA convolutions and matrix products. PyTorch's
    /// defaults (TF32 convolutions, full fp32 matrix products) stand unless this is called; agreement checks
    /// against the CPU turn it off, as TF32 alone moves a ResNet's outputs by about 1e-3.
    public static func allowTF32(_ allow: Bool) throws { try check(ct_set_allow_tf32(allow ? 1 : 0)) }

    /// Seeds libtorch's default generator (components that need reproducibility own a `Generator`).
    public static func manualSeed(_ seed: UInt64) { ct_manual_seed(seed) }

    /// Runs `body` with a generator seeded by `seed` standing in, on this thread only, for libtorch's default
    /// generator: layer initialisers that are given no `Generator` draw from it, so a model built inside this
    /// scope has initial weights that depend on `seed` alone, whatever other threads draw meanwhile (parallel
    /// tests, data loading).
    public static func withSeededDefaultGenerator<R>(_ seed: UInt64, _ body: () throws -> R) throws -> R {
        let generator = try Generator(seed: seed)
        let previous = ct_get_thread_generator()
        ct_set_thread_generator(generator.handle)
        defer { ct_set_thread_generator(previous) }
        return try withExtendedLifetime(generator) { try body() }
    }
}
