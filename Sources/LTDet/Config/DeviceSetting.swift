import Torch

extension ExperimentConfig {
    /// The device `device` names on this machine; unset, CUDA device 0 when there is one, else the CPU (with
    /// several processes, process r of an unset config takes CUDA device r modulo the devices, as mmdet's
    /// launcher gives each process its local GPU). A device the machine lacks is an error naming the key.
    public func resolvedDevice(rank: Int = 0) throws -> Device {
        let count = Runtime.cudaDeviceCount
        if device == nil, count > 0 { return .cuda(rank % count) }
        do {
            return try Device.resolve(device, cudaDeviceCount: count)
        } catch let error as TorchError {
            throw ConfigError(file: file, key: "device", error.message)
        }
    }
}
