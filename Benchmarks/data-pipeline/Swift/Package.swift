// swift-tools-version: 6.1
// The LTDet side of the data-pipeline benchmark, as its own package so that the root manifest
// stays as it is: it depends on the repository's LTDet library by path.
import PackageDescription

let package = Package(
    name: "bench-data-pipeline",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "LTDet", path: "../../..")],
    targets: [
        .executableTarget(name: "bench-data-pipeline", dependencies: [.product(name: "LTDet", package: "LTDet")]),
    ],
    swiftLanguageModes: [.v6]
)
