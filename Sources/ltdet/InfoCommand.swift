import ArgumentParser
import Torch

/// Prints the runtime LTDet sees: libtorch, threads, devices, and where CUDA and torchvision's operators come from.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the libtorch runtime: version, threads, devices, CUDA and torchvision operators.")

    func run() throws {
        Runtime.configureProcess()
        print("libtorch: \(Runtime.libtorchVersion)")
        print("libtorch threads: \(Runtime.numThreads)")
        switch CUDABackend.load() {
        case .loaded(let path): print("CUDA backend: \(path)")
        case .notFound(let reason): print("CUDA backend: none (\(reason))")
        }
        print("CUDA devices: \(Runtime.cudaDeviceCount)")
        switch TorchVisionOperators.load() {
        case .loaded(let path): print("torchvision operators (RoIAlign/NMS on CUDA): \(path)")
        case .unavailable(let reason): print("torchvision operators (RoIAlign/NMS on CUDA): none (\(reason))")
        }
        print("default device: \(try Device.resolve(nil, cudaDeviceCount: Runtime.cudaDeviceCount))")
    }
}
