import ArgumentParser
import Torch

/// Prints the runtime LTDet sees: libtorch threads and devices.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the libtorch runtime: threads and available devices.")

    func run() throws {
        Runtime.configureThreads()
        print("libtorch threads: \(Runtime.numThreads)")
        print("CUDA devices: \(Runtime.cudaDeviceCount)")
    }
}
