import CTorch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// libtorch's CUDA backend, loaded at run time. LTDet links only libtorch_cpu and c10, so the same binary
/// starts on a machine without CUDA libraries; `libtorch_cuda.so` beside the libtorch_cpu this process runs
/// (a PyPI torch's `torch/lib`; never another torch's, whose ABI would differ) registers its kernels and
/// device hooks with the dispatcher as it loads.
public enum CUDABackend {
    /// What loading found: the library loaded, or why not (no such library is normal on a CPU machine).
    public enum Status: Sendable, Equatable {
        case loaded(path: String)
        case notFound(String)
    }

    private static let loadStatus: Status = {
        guard let folder = torchLibraryFolder() else { return .notFound("the libtorch_cpu library was not located") }
        let path = "\(folder)/libtorch_cuda.so"
        guard FileManager.default.fileExists(atPath: path) else { return .notFound("no \(path)") }
        // RTLD_GLOBAL: libtorch_cuda's symbols serve libraries loaded later (torchvision's CUDA kernels).
        if dlopen(path, RTLD_NOW | RTLD_GLOBAL) != nil { return .loaded(path: path) }
        return .notFound(dlerror().map { String(cString: $0) } ?? "\(path) did not load")
    }()

    /// Loads the backend once per process (later calls return the first result). Call before the first
    /// CUDA query: libtorch answers "no CUDA" until the backend is loaded (`Runtime.cudaDeviceCount` does).
    @discardableResult
    public static func load() -> Status { loadStatus }

    /// The folder of the libtorch_cpu library this process has loaded.
    static func torchLibraryFolder() -> String? {
        var path: UnsafeMutablePointer<CChar>?
        guard ct_torch_library_path(&path) == 0, let path else { return nil }
        defer { ct_free_string(path) }
        return URL(fileURLWithPath: String(cString: path)).resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}

extension Device {
    /// The device a `device` setting names: "cpu", "cuda" (device 0), "cuda:N"; nil chooses CUDA device 0
    /// when there is one, else the CPU (mmdet's and PyTorch scripts' default). `cudaDeviceCount` is what the
    /// machine has (`Runtime.cudaDeviceCount`). The error says what was asked and what exists.
    public static func resolve(_ text: String?, cudaDeviceCount: Int) throws -> Device {
        guard let text else { return cudaDeviceCount > 0 ? .cuda(0) : .cpu }
        guard let device = Device(text) else {
            throw TorchError("device '\(text)' is not one of cpu, cuda, cuda:N")
        }
        if case .cuda(let index) = device {
            if cudaDeviceCount == 0 {
                throw TorchError(
                    "device '\(text)': this machine has no CUDA device usable by libtorch \(Runtime.libtorchVersion) (use cpu)")
            }
            guard index >= 0, index < cudaDeviceCount else {
                throw TorchError(
                    "device '\(text)': this machine has \(cudaDeviceCount) CUDA device\(cudaDeviceCount == 1 ? "" : "s") (cuda:0\(cudaDeviceCount > 1 ? "...cuda:\(cudaDeviceCount - 1)" : ""))")
            }
        }
        return device
    }
}
