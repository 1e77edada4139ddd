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
    // A PyPI wheel is a CUDA build: linking libtorch.so would pull in libtorch_cuda.so and the CUDA runtime.
    // CPU use links the CPU libraries alone; LTDET_CUDA=1 links the CUDA ones too (they register their
    // kernels from static initialisers, hence --no-as-needed), which needs the wheel's nvidia-* packages.
    // libtorch_cpu.so itself needs libcudart and libcupti (its profiler), from the wheel's sibling
    // nvidia-cuda-runtime and nvidia-cuda-cupti packages in the same site-packages.
    var flags = ["-L\(dir)/lib"]
    for lib in ["\(dir)/lib", "\(dir)/../nvidia/cuda_runtime/lib", "\(dir)/../nvidia/cuda_cupti/lib"] {
        flags += ["-Xlinker", "-rpath", "-Xlinker", lib]
    }
    if ProcessInfo.processInfo.environment["LTDET_CUDA"] == "1" {
        flags += ["-Xlinker", "--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Xlinker", "--as-needed"]
    }
    torchLinkerSettings = [.unsafeFlags(flags), .linkedLibrary("torch_cpu"), .linkedLibrary("c10")]
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
        .target(name: "DistributedTestSupport", dependencies: ["Torch"], path: "Tests/DistributedTestSupport"),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "DistributedTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LVISKitTests", dependencies: ["LVISKit"]),
        .testTarget(name: "LTDetTests", dependencies: ["LTDet", "LVISKit", "Torch", "DistributedTestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: nil
)
