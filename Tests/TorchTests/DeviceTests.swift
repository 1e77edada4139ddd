import Testing

@testable import Torch

@Suite struct DeviceTests {
    @Test func deviceSettingsResolveAgainstTheMachine() throws {
        #expect(try Device.resolve(nil, cudaDeviceCount: 0) == .cpu)
        #expect(try Device.resolve(nil, cudaDeviceCount: 2) == .cuda(0))
        #expect(try Device.resolve("cpu", cudaDeviceCount: 2) == .cpu)
        #expect(try Device.resolve("cuda", cudaDeviceCount: 1) == .cuda(0))
        #expect(try Device.resolve("cuda:1", cudaDeviceCount: 2) == .cuda(1))
        for (text, count, expected) in [
            ("cuda:3", 1, "device 'cuda:3': this machine has 1 CUDA device (cuda:0)"),
            ("cuda:2", 2, "device 'cuda:2': this machine has 2 CUDA devices (cuda:0...cuda:1)"),
            ("gpu", 1, "device 'gpu' is not one of cpu, cuda, cuda:N"),
            ("cuda:", 1, "device 'cuda:' is not one of cpu, cuda, cuda:N"),
        ] {
            do {
                _ = try Device.resolve(text, cudaDeviceCount: count)
                Issue.record("'\(text)' resolved with \(count) devices")
            } catch let error as TorchError {
                #expect(error.message == expected)
            }
        }
        do {
            _ = try Device.resolve("cuda", cudaDeviceCount: 0)
            Issue.record("cuda without a device resolved")
        } catch let error as TorchError {
            #expect(error.message.hasPrefix("device 'cuda': this machine has no CUDA device"))
        }
    }

    @Test func hostReadsCountEveryReadOfTensorData() throws {
        let t = try Tensor([Float(1), 2, 3])
        let (_, itemReads) = try HostReads.counting { try t.sum().item() }
        let (_, arrayReads) = try HostReads.counting { try t.toArray(Float.self) }
        let (_, arithmeticReads) = try HostReads.counting { try t * 2.0 + t }
        #expect(itemReads == 1)
        #expect(arrayReads == 1)
        #expect(arithmeticReads == 0)
        // CPU tensors never count as device reads.
        let before = HostReads.ofDeviceTensors
        _ = try t.sum().item()
        #expect(HostReads.ofDeviceTensors == before)
    }

    /// torchvision's batched_nms offset stays on the device: per-class NMS makes the host wait only for the
    /// NMS kernel itself (whose output length depends on the data), not for the boxes' maximum first.
    @Test func batchedNMSDoesNotReadTheBoxesOnTheHost() throws {
        let boxes = try Tensor([Float(0), 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30], shape: [3, 4])
        let (keep, reads) = try HostReads.counting {
            try DetectionOps.batchedNMS(
                boxes: boxes, scores: try Tensor([Float(0.9), 0.8, 0.7]), classes: try Tensor([Int64(0), 0, 1]),
                iouThreshold: 0.5)
        }
        #expect(reads == 0)
        #expect(try keep.toArray(Int.self) == [0, 2])
    }

    @Test func nonBlockingCopyToTheSameDeviceIsTheTensorItself() throws {
        let t = try Tensor([Float(1), 2])
        #expect(try t.to(.cpu, nonBlocking: true) === t)
    }

    /// torchvision's operators through the dispatcher (the CUDA route) against LTDet's CPU kernels, here with
    /// torchvision's CPU kernels (Debian's python3-torchvision, installed by scripts/setup --reference).
    @Test(.enabled(if: TorchVisionOperators.isLoaded))
    func torchvisionOperatorsAgreeWithTheNativeKernels() throws {
        for seed: UInt64 in [0, 1] {
            let agreement = try KernelAgreement.measure(device: .cpu, seed: seed)
            #expect(agreement.roiAlignMaxDifference < 1e-5)
            #expect(agreement.roiAlignGradientMaxDifference < 1e-5)
            #expect(agreement.nmsIdentical)
            #expect(agreement.batchedNMSIdentical)
            #expect(agreement.nmsKept > 10)
        }
    }
}
