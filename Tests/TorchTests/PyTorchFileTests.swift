import Foundation
import Testing

@testable import Torch
import TestSupport

/// The torch.save reader and writer against files that real PyTorch wrote (scripts/reference/torch_fixtures.py).
@Suite struct PyTorchFileTests {
    static let expected = try! Safetensors.load(from: Fixtures.url("pth_expected.safetensors")).tensors

    static func expectedTensors(_ file: String) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: expected.filter { $0.key.hasPrefix(file + "/") }.map {
            (String($0.key.dropFirst(file.count + 1)), $0.value)
        })
    }

    @Test(arguments: [
        "pth_state_dict_zip", "pth_state_dict_legacy", "pth_mmdet_zip", "pth_mmdet_legacy", "pth_views_zip",
        "pth_views_legacy",
    ])
    func readsWhatTorchSaveWrote(file: String) throws {
        let loaded = try StateDict.load(from: Fixtures.url(file + ".pth"))
        let expected = Self.expectedTensors(file)
        #expect(!expected.isEmpty)
        #expect(Set(loaded.keys) == Set(expected.keys))
        for (name, want) in expected {
            let got = try #require(loaded[name])
            #expect(got.dtype == want.dtype && got.shape == want.shape, "\(file)/\(name)")
            #expect(try got.eq(want).all().item() == 1, "\(file)/\(name)")
        }
    }

    @Test func keepsTheCheckpointAroundTheStateDict() throws {
        let file = try PyTorchFile(contentsOf: Fixtures.url("pth_mmdet_zip.pth"))
        guard case .string(let version)? = file.root["meta"]?["mmdet_version"] else {
            Issue.record("no meta.mmdet_version")
            return
        }
        #expect(!version.isEmpty)
        #expect(file.root["optimizer"]?["param_groups"] != nil)
    }

    @Test func writesWhatItReads() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("out.pth")
        let tensors: [String: Tensor] = [
            "w": try Tensor.randn([3, 4]), "h": try Tensor.randn([2]).to(.bfloat16), "n": try Tensor([Int64(5), -7]),
            "big": try Tensor([Int64(1) << 40]), "empty": try Tensor.zeros([0, 3]),
        ]
        let writer = PyTorchFileWriter()
        let root = PickleValue.dict(PickleDict([
            (.string("meta"), .dict(PickleDict([(.string("epoch"), .int(-3)), (.string("lr"), .float(0.125))]))),
            (.string("state_dict"), try writer.stateDict(tensors)),
        ]))
        try writer.write(root, to: url)
        let back = try PyTorchFile(contentsOf: url)
        guard case .int(-3)? = back.root["meta"]?["epoch"], case .float(0.125)? = back.root["meta"]?["lr"] else {
            Issue.record("meta did not survive: \(String(describing: back.root["meta"]))")
            return
        }
        let state = try back.stateDict()
        #expect(Set(state.keys) == Set(tensors.keys))
        for (k, v) in tensors {
            #expect(state[k]!.shape == v.shape && state[k]!.dtype == v.dtype)
            #expect(try state[k]!.eq(v).all().item() == 1, "\(k)")
        }
    }

    /// A pickle that would call os.system is refused by name, before anything happens.
    @Test func refusesGlobalsOutsideTheAllowList() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("evil.pth")
        let pickle = Data([0x80, 0x02]) + Data("cos\nsystem\nX\u{2}\0\0\0ls\u{85}R.".utf8)
        try StoredZip.write([("evil/data.pkl", pickle), ("evil/version", Data("3\n".utf8))]).write(to: url)
        do {
            _ = try StateDict.load(from: url)
            Issue.record("expected a refusal")
        } catch let e as TorchError {
            #expect(e.message.contains("evil.pth") && e.message.contains("os.system"), "\(e.message)")
        }
    }

    @Test func errorsNameTheFileAndTheKey() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("short.pth")
        let storage = PickledStorage(key: "0", dtype: .float32, count: 4)
        let root = PickleValue.dict(PickleDict([
            (.string("layer.weight"), .tensor(PickledTensor(storage: storage, offset: 0, shape: [3, 3], stride: [3, 1])))
        ]))
        try StoredZip.write([
            ("short/data.pkl", try PickleWriter.pickle(root)), ("short/data/0", Data(count: 16)),
            ("short/version", Data("3\n".utf8)),
        ]).write(to: url)
        do {
            _ = try StateDict.load(from: url)
            Issue.record("expected an error")
        } catch let e as TorchError {
            #expect(e.message.contains("short.pth") && e.message.contains("'layer.weight'"), "\(e.message)")
        }
        let notTorch = dir.appendingPathComponent("text.pth")
        try Data("hello".utf8).write(to: notTorch)
        #expect(throws: TorchError.self) { try StateDict.load(from: notTorch) }
    }
}
