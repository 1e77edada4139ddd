import Foundation
import Testing

@testable import Torch

@Suite struct RobustnessTests {
    @Test func shapeMismatchThrowsLibtorchsMessage() throws {
        let a = try Tensor.zeros([2, 3])
        let b = try Tensor.zeros([4, 5])
        do {
            _ = try a.matmul(b)
            Issue.record("matmul of 2x3 and 4x5 should throw")
        } catch let e as TorchError {
            #expect(e.message.contains("cannot be multiplied"), "\(e.message)")
            #expect(!e.message.contains("frame #"))  // no C++ backtrace
        }
        #expect(throws: TorchError.self) { try a + b }
        #expect(throws: TorchError.self) { try a.view(7) }
        #expect(throws: TorchError.self) { try Tensor([1.0, 2.0], shape: [3]) }
        #expect(throws: TorchError.self) { try Functional.conv2d(a, weight: b) }
        // The thread is still usable after an error.
        #expect(try (a + 1.0).sum().item() == 6)
    }

    @Test func errorsStayOnTheirThread() async throws {
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        if i % 2 == 0 { _ = try Tensor.zeros([2]).view(3) }
                        return true
                    } catch let e as TorchError {
                        return e.message.contains("shape")
                    } catch { return false }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    /// Runs in a child process (an exit test) so that other tests running in parallel do not disturb the
    /// resident-memory reading. A leak of one handle per tensor would grow it by tens of megabytes.
    @Test func hundredThousandTensorsKeepMemoryBounded() async {
        await #expect(processExitsWith: .success) {
            func residentKB() -> Int {
                let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
                let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
                return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
            }
            for _ in 0..<10_000 { _ = try? Tensor.ones([64]) * 2.0 }
            let before = residentKB()
            for _ in 0..<100_000 {
                _ = try? (Tensor.ones([64]) * 2.0).sum()  // 3 tensors, 256 bytes of data each
            }
            let grown = residentKB() - before
            if grown > 4_000 {
                print("resident memory grew by \(grown) kB over 100k tensor creations")
                exit(1)
            }
        }
    }

    @Test func conversionsRoundTrip() throws {
        let values: [Float] = [1.5, -2, 3.25, 0, 7, 8]
        let t = try Tensor(values, shape: [2, 3])
        #expect(t.shape == [2, 3] && t.dtype == .float32 && t.device == .cpu)
        #expect(try t.toArray(Float.self) == values)
        #expect(try t.t().contiguous().toArray(Float.self) == [1.5, 0, -2, 7, 3.25, 8])
        #expect(try t.t().strides == [1, 3])
        #expect(try t.to(.int64).toArray(Int.self) == [1, -2, 3, 0, 7, 8])
        #expect(try Tensor([true, false]).toArray(Bool.self) == [true, false])
        #expect(try Tensor(scalar: 2.5).item() == 2.5)
        #expect(try Tensor.arange(5).toArray(Int.self) == [0, 1, 2, 3, 4])
        #expect(try t[1].toArray(Float.self) == [0, 7, 8])
    }

    @Test func seededGeneratorsReproduceAndRestore() throws {
        let g1 = try Generator(seed: 42)
        let g2 = try Generator(seed: 42)
        let a = try Tensor.randn([5], generator: g1).toArray(Float.self)
        #expect(try Tensor.randn([5], generator: g2).toArray(Float.self) == a)
        let state = try g1.state()
        let next = try Tensor.rand([4], generator: g1).toArray(Float.self)
        try g1.setState(state)
        #expect(try Tensor.rand([4], generator: g1).toArray(Float.self) == next)
        let perm = try Tensor.randperm(10, generator: g1).toArray(Int.self)
        #expect(perm.sorted() == Array(0..<10))
    }

    @Test func noGradScopeStopsRecordingAndRestores() throws {
        let x = try Tensor([1.0, 2.0]).requiresGrad(true)
        let y = try withNoGrad { try x * 2.0 }
        #expect(!y.requiresGrad)
        #expect(isGradEnabled)
        let z = try x * 3.0
        try z.sum().backward()
        #expect(try x.grad!.toArray(Double.self) == [3, 3])
        let grads = try Tensor.gradients(of: [(x * x).sum()], wrt: [x])
        #expect(try grads[0]!.toArray(Double.self) == [2, 4])
    }
}
