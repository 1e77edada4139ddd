// swift-tools-version: 6.1
// LTDet: long-tailed object detection and instance segmentation in Swift on libtorch.
// Layers (design.md): CTorch -> Torch -> LTDet -> ltdet; LVISKit stands alone (no libtorch).
import Foundation
import PackageDescription

/// Where libtorch comes from. Default: Debian's `libtorch-dev` (1.13, C++17).
/// `TORCH_DIR=/path/to/site-packages/torch` switches to a PyPI libtorch 2.x (C++20, rpath into it).
let torchDir = ProcessInfo.processInfo.environment["TORCH_DIR"]

let torchCxxSettings: [CXXSetting]
let torchLinkerSettings: [LinkerSetting]
if let dir = torchDir {
    torchCxxSettings = [
        .unsafeFlags([
            "-std=c++20", "-I\(dir)/include", "-I\(dir)/include/torch/csrc/api/include",
            "-D_GLIBCXX_USE_CXX11_ABI=1", "-O2",
        ])
    ]
    torchLinkerSettings = [
        .unsafeFlags(["-L\(dir)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(dir)/lib"]),
        .linkedLibrary("torch"), .linkedLibrary("torch_cpu"), .linkedLibrary("c10"),
    ]
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
        .target(name: "Torch", dependencies: ["CTorch"]),
        .target(name: "LVISKit"),
        .target(
            name: "LTDet",
            dependencies: ["Torch", "LVISKit", "Yams"]
        ),
        .executableTarget(
            name: "ltdet",
            dependencies: [
                "LTDet", "LVISKit", "Torch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "bench-maskrcnn", dependencies: ["LTDet", "Torch"], path: "Benchmarks/maskrcnn/Swift"),
        .testTarget(name: "TorchTests", dependencies: ["Torch"], exclude: ["Fixtures"]),
        .testTarget(name: "LVISKitTests", dependencies: ["LVISKit"]),
        .testTarget(name: "LTDetTests", dependencies: ["LTDet", "LVISKit", "Torch"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: nil
)
