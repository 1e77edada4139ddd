// swift-tools-version: 6.1
// LTDet: long-tailed object detection and instance segmentation in Swift on libtorch.
// Layers (design.md): CTorch -> Torch -> LTDet -> ltdet; LVISKit stands alone (no libtorch); AtomicFileIO
// (Foundation only) sits under Torch and LTDet.
import Foundation
import PackageDescription

/// Where libtorch comes from. Default: Debian's `libtorch-dev` (1.13, C++17).
/// `TORCH_DIR=/path/to/site-packages/torch` switches to a PyPI libtorch 2.x (C++20, rpath into it).
let torchDir = ProcessInfo.processInfo.environment["TORCH_DIR"]

let torchCxxSettings: [CXXSetting]
let torchLinkerSettings: [LinkerSetting]
if let dir = torchDir {
    // Wheels before torch 2.7 are built with the pre-C++11 libstdc++ ABI; TorchConfig.cmake says which.
    let cmake = (try? String(contentsOfFile: "\(dir)/share/cmake/Torch/TorchConfig.cmake", encoding: .utf8)) ?? ""
    let abi = cmake.contains("_GLIBCXX_USE_CXX11_ABI=0") ? "0" : "1"
    torchCxxSettings = [
        .unsafeFlags([
            "-std=c++20", "-I\(dir)/include", "-I\(dir)/include/torch/csrc/api/include",
            "-D_GLIBCXX_USE_CXX11_ABI=\(abi)", "-O2",
        ])
    ]
    // A PyPI wheel is a CUDA build, but LTDet links only libtorch_cpu and c10: the CUDA backend
    // (libtorch_cuda.so) is loaded at run time when present (`CUDABackend`), so one binary starts with or
    // without the CUDA libraries. libtorch_cpu.so itself needs libcudart and libcupti (its profiler), from the
    // wheel's sibling nvidia packages (`nvidia/cu13/lib` for CUDA 13 wheels, `nvidia/cuda_runtime/lib` and
    // `nvidia/cuda_cupti/lib` for CUDA 12 ones) in the same site-packages.
    // LTDET_PORTABLE=1 (scripts/build-gpu): no absolute run paths into this machine's wheel, only `$ORIGIN/lib`
    // (the few non-torch libraries carried next to the binary); libtorch comes from LD_LIBRARY_PATH at run time.
    let portable = ProcessInfo.processInfo.environment["LTDET_PORTABLE"] == "1"
    var flags = ["-L\(dir)/lib"]
    let wheelLibraries = [
        "\(dir)/lib", "\(dir)/../nvidia/cu13/lib", "\(dir)/../nvidia/cuda_runtime/lib", "\(dir)/../nvidia/cuda_cupti/lib",
    ]
    for lib in wheelLibraries {
        flags += ["-Xlinker", portable ? "-rpath-link" : "-rpath", "-Xlinker", lib]
    }
    if portable { flags += ["-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/lib"] }
    // By path, not -ltorch_cpu: pkg-config's -L/usr/lib/x86_64-linux-gnu (FreeType) comes first on the link line,
    // where Debian's libtorch 1.13 would be found instead of the wheel's.
    for library in ["libtorch_cpu.so", "libc10.so"] { flags += ["-Xlinker", "\(dir)/lib/\(library)"] }
    torchLinkerSettings = [.unsafeFlags(flags)]
} else {
    torchCxxSettings = [
        .unsafeFlags(["-std=c++17", "-I/usr/include/torch/csrc/api/include", "-O2"])
    ]
    torchLinkerSettings = [
        .linkedLibrary("torch"), .linkedLibrary("torch_cpu"), .linkedLibrary("c10"),
    ]
}

let package = Package(
    name: "LTDet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ltdet", targets: ["ltdet"]),
        .library(name: "LTDet", targets: ["LTDet"]),
        .library(name: "LVISKit", targets: ["LVISKit"]),
        .executable(name: "lviskit", targets: ["lviskit"]),
        .library(name: "Torch", targets: ["Torch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .target(
            name: "CTorch",
            cxxSettings: torchCxxSettings,
            linkerSettings: torchLinkerSettings
        ),
        .target(name: "AtomicFileIO"),
        .target(name: "Torch", dependencies: ["CTorch", "AtomicFileIO"]),
        .target(name: "LVISKit"),
        .target(
            name: "LVISKitCLI",
            dependencies: ["LVISKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "lviskit", dependencies: ["LVISKitCLI"]),
        .systemLibrary(name: "CImageCodecs", path: "Sources/CImageCodecs"),
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2"),
        .target(
            name: "LTDet",
            dependencies: ["Torch", "LVISKit", "AtomicFileIO", "Yams", "CImageCodecs", "CFreeType"]
        ),
        .executableTarget(
            name: "ltdet",
            dependencies: [
                "LTDet", "LVISKit", "LVISKitCLI", "Torch", "AtomicFileIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "bench-torch-overhead", dependencies: ["Torch"], path: "Benchmarks/torch-overhead/Swift"),
        .executableTarget(name: "bench-maskrcnn", dependencies: ["LTDet", "Torch"], path: "Benchmarks/maskrcnn/Swift"),
        .target(name: "TestSupport", dependencies: ["Torch"], path: "Tests/TestSupport"),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LVISKitTests", dependencies: ["LVISKit"]),
        .testTarget(name: "LTDetTests", dependencies: ["LTDet", "LVISKit", "Torch", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: nil
)
