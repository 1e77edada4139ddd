import Foundation
import Testing

@testable import Torch
import TestSupport

@Suite struct SerializationTests {
    @Test func readsEveryDtypeWrittenByPythonSafetensors() throws {
        let loaded = try Safetensors.load(from: Fixtures.url("python_written.safetensors")).tensors
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("python_written.json")))
            as! [String: [String: Any]]
        #expect(Set(loaded.keys) == Set(expected.keys))
        for (name, info) in expected {
            let t = try #require(loaded[name])
            #expect(t.shape == info["shape"] as! [Int], "\(name)")
            let values = try t.toArray(Double.self)
            #expect(values == (info["values"] as! [String]).map { Double($0)! }, "\(name): \(values)")
        }
        #expect(loaded["f16"]!.dtype == .float16)
        #expect(loaded["bool"]!.dtype == .bool)
        #expect(loaded["u8"]!.dtype == .uint8)
    }

    @Test func readsATorchSaveStateDict() throws {
        let pth = try StateDict.loadPyTorch(from: Fixtures.url("python_written.pth"))
        let st = try Safetensors.load(from: Fixtures.url("python_written.safetensors")).tensors
        #expect(Set(pth.keys) == ["conv.weight", "fc.bias", "steps"])
        #expect(try pth["conv.weight"]!.eq(st["f32"]!).all().item() == 1)
        #expect(try pth["fc.bias"]!.eq(st["f64"]!).all().item() == 1)
        #expect(try pth["steps"]!.eq(st["i64"]!).all().item() == 1)
    }

    @Test func roundTripsThroughSafetensorsAtomically() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("a.safetensors")
        let tensors: [String: Tensor] = [
            "x": try Tensor.randn([3, 5], dtype: .float64), "y": try Tensor([Int64(1), -2, 3]),
            "z": try Tensor([true, false]), "h": try Tensor.randn([2, 2]).to(.float16),
            "empty": try Tensor.zeros([0, 4]),
        ]
        try Safetensors.save(tensors, metadata: ["epoch": "3"], to: url)
        try Safetensors.save(tensors, metadata: ["epoch": "4"], to: url)  // overwrite through rename
        let (back, meta) = try Safetensors.load(from: url)
        #expect(meta == ["epoch": "4"])
        for (k, v) in tensors {
            #expect(back[k]!.shape == v.shape && back[k]!.dtype == v.dtype)
            #expect(try back[k]!.to(.float64).eq(v.to(.float64)).all().item() == 1, "\(k)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers == ["a.safetensors"])
    }

    @Test func badFilesGiveNamedErrors() throws {
        let dir = try temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Data([1, 2, 3]).write(to: bad)
        #expect(throws: TorchError.self) { try Safetensors.load(from: bad) }
        do { _ = try Safetensors.load(from: bad) } catch let e as TorchError { #expect(e.message.contains("bad.safetensors")) }
        var header = Data()
        var n = UInt64(1000).littleEndian
        withUnsafeBytes(of: &n) { header.append(contentsOf: $0) }
        try header.write(to: bad)
        do { _ = try Safetensors.load(from: bad) } catch let e as TorchError { #expect(e.message.contains("header length")) }
        do {
            _ = try StateDict.loadPyTorch(from: dir.appendingPathComponent("missing.pth"))
            Issue.record("expected an error")
        } catch let e as TorchError { #expect(e.message.contains("missing.pth")) }
        do {
            _ = try StateDict.loadPyTorch(from: bad)
            Issue.record("expected an error")
        } catch let e as TorchError { #expect(e.message.contains("not a torch.save file")) }
    }
}
