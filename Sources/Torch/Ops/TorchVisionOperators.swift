import CTorch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// torchvision's C++ operators (`torchvision::roi_align`, `torchvision::nms`: CPU and CUDA kernels, RoIAlign's
/// autograd), called through libtorch's dispatcher after loading torchvision's `_C.so` into the process.
/// `DetectionOps` uses them for CUDA tensors; CPU tensors keep LTDet's own kernels (kernels.cpp).
/// docs/developer/gpu.md says why this route and not CUDA kernels of LTDet's own.
public enum TorchVisionOperators {
    /// Where `_C.so` was loaded from, or why it was not.
    public enum Status: Sendable, Equatable {
        case loaded(path: String)
        case unavailable(reason: String)
    }

    /// The environment variable naming torchvision's `_C*.so` (or the torchvision package folder holding it).
    public static let environmentVariable = "LTDET_TORCHVISION_LIB"
    /// The environment variable naming the Python shared library (`libpython3.X.so.1.0`) that torchvision's
    /// `_C.so` needs when it links libtorch_python (PyPI builds do; dist/ltdet-gpu/run sets it).
    public static let pythonLibraryVariable = "LTDET_LIBPYTHON"

    private static let loadStatus: Status = {
        let candidates = candidateFiles()
        guard !candidates.isEmpty else {
            return .unavailable(
                reason: "no torchvision _C*.so found (set \(environmentVariable), or install torchvision next to the torch whose lib/ this process uses)")
        }
        var failures: [String] = []
        var pythonLoaded = false
        for path in candidates {
            for attempt in 0..<2 {
                // RTLD_NOW: a torchvision built for another libtorch fails here, with the missing symbol named.
                if dlopen(path, RTLD_NOW | RTLD_LOCAL) != nil {
                    if ct_has_operator("torchvision::roi_align") != 0, ct_has_operator("torchvision::nms") != 0 {
                        return .loaded(path: path)
                    }
                    failures.append("\(path): loaded, but it registers no torchvision::roi_align/nms")
                    break
                }
                let message = dlerror().map { String(cString: $0) } ?? "did not load"
                // PyPI's torchvision links libtorch_python, whose Python symbols only a loaded libpython defines
                // (no interpreter is started: the operators' registration does not call Python).
                if attempt == 0, !pythonLoaded, message.contains("undefined symbol: Py") || message.contains("undefined symbol: _Py") {
                    pythonLoaded = loadPythonLibrary()
                    if pythonLoaded { continue }
                }
                failures.append("\(path): \(message)")
                break
            }
        }
        return .unavailable(reason: failures.joined(separator: "; "))
    }()

    /// Loads `$LTDET_LIBPYTHON`, else the first libpython3.X the dynamic linker finds, with global symbols.
    private static func loadPythonLibrary() -> Bool {
        var names: [String] = []
        if let named = ProcessInfo.processInfo.environment[pythonLibraryVariable], !named.isEmpty { names.append(named) }
        for minor in (8...14).reversed() { names += ["libpython3.\(minor).so.1.0", "libpython3.\(minor).so"] }
        return names.contains { dlopen($0, RTLD_NOW | RTLD_GLOBAL) != nil }
    }

    /// Loads torchvision's operators once per process (later calls return the first result).
    @discardableResult
    public static func load() -> Status { loadStatus }

    public static var isLoaded: Bool {
        if case .loaded = load() { return true }
        return false
    }

    /// `$LTDET_TORCHVISION_LIB`, else torchvision beside the torch whose libtorch_cpu this process runs
    /// (`site-packages/torch/lib/` -> `site-packages/torchvision/`), else, with Debian's libtorch, Debian's
    /// python3-torchvision.
    static func candidateFiles() -> [String] {
        if let named = ProcessInfo.processInfo.environment[environmentVariable], !named.isEmpty {
            return extensionFiles(in: named) ?? [named]
        }
        guard let torchLibrary = CUDABackend.torchLibraryFolder() else { return [] }
        var folders = [URL(fileURLWithPath: torchLibrary).appendingPathComponent("../../torchvision").standardized.path]
        // Debian's python3-torchvision is built against Debian's libtorch only: loading it beside another
        // libtorch would load a second libtorch into the process.
        if ["/usr/lib/", "/lib/"].contains(where: torchLibrary.hasPrefix) {
            folders.append("/usr/lib/python3/dist-packages/torchvision")
        }
        return folders.flatMap { extensionFiles(in: $0) ?? [] }
    }

    /// The `_C*.so` files of a torchvision package folder; nil when `path` is not a folder.
    private static func extensionFiles(in path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasPrefix("_C") && $0.hasSuffix(".so") }.sorted().map { "\(path)/\($0)" }
    }

    static func requireLoaded(for what: String, device: Device) throws {
        if case .unavailable(let reason) = load() {
            throw TorchError("\(what) on \(device) needs torchvision's operators, which are not loaded: \(reason)")
        }
    }

    /// torchvision's `roi_align` (rois in the input's dtype, K x 5); differentiable with respect to `input`.
    public static func roiAlign(
        _ input: Tensor, rois: Tensor, spatialScale: Double, outputSize: (Int, Int), samplingRatio: Int, aligned: Bool
    ) throws -> Tensor {
        try requireLoaded(for: "RoIAlign", device: input.device)
        let r = try rois.to(input.dtype)
        return try .make {
            ct_torchvision_roi_align(
                input.handle, r.handle, spatialScale, Int64(outputSize.0), Int64(outputSize.1), Int64(samplingRatio),
                aligned ? 1 : 0, $0)
        }
    }

    /// torchvision's `nms`: kept indices by descending score.
    public static func nms(boxes: Tensor, scores: Tensor, iouThreshold: Double) throws -> Tensor {
        try requireLoaded(for: "NMS", device: boxes.device)
        let (b, s) = (try boxes.detach(), try scores.detach())
        return try .make { ct_torchvision_nms(b.handle, s.handle, iouThreshold, $0) }
    }
}
