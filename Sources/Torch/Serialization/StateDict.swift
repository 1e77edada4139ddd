import CTorch
import Foundation

/// Reading PyTorch checkpoints and moving named tensors in and out of modules.
public enum StateDict {
    /// Reads a `torch.save`d state dict (zip format, PyTorch >= 1.6) into named CPU tensors. A checkpoint that
    /// wraps its weights under "state_dict" or "model" (mmdet, Detectron2) must be unwrapped in Python first.
    public static func loadPyTorch(from url: URL) throws -> [String: Tensor] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TorchError("\(url.path): no such file")
        }
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var tensors: UnsafeMutablePointer<OpaquePointer?>?
        var count: Int64 = 0
        do {
            try check(ct_load_pickled_state_dict(url.path, &names, &tensors, &count))
        } catch let error as TorchError {
            throw TorchError("\(url.path): not a PyTorch state dict (\(error.message))")
        }
        defer { ct_free_named_tensors(names, tensors, count) }
        var result: [String: Tensor] = [:]
        for i in 0..<Int(count) {
            let name = String(cString: names![i]!)
            result[name] = Tensor(handle: tensors![i]!)
            tensors![i] = nil  // ownership moved to Swift
        }
        return result
    }

    /// Loads `.safetensors` or `.pth`/`.pt` files by extension.
    public static func load(from url: URL) throws -> [String: Tensor] {
        switch url.pathExtension {
        case "safetensors": return try Safetensors.load(from: url).tensors
        case "pth", "pt", "bin": return try loadPyTorch(from: url)
        default: throw TorchError("\(url.path): unknown weight format '.\(url.pathExtension)' (use .safetensors or .pth)")
        }
    }
}

/// What `Module.load(stateDict:)` did not match, for the caller to report.
public struct StateDictMismatch: Sendable, CustomStringConvertible {
    public var missing: [String] = []
    public var unexpected: [String] = []

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected: \(unexpected.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }
}

extension Module {
    /// Every parameter and buffer by hierarchical name (the tensors themselves, not copies).
    public func stateDict() -> [String: Tensor] {
        Dictionary(namedState().map { ($0.0, $0.1.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// Copies tensors into this module's state in place (keeping gradient flags, device and dtype).
    /// Shapes must agree. With `strict`, a missing or unexpected name is an error; otherwise they are returned.
    @discardableResult
    public func load(stateDict: [String: Tensor], strict: Bool = true, prefix: String = "") throws
        -> StateDictMismatch
    {
        var mismatch = StateDictMismatch()
        var used = Set<String>()
        try withNoGrad {
            for (name, entry) in namedState() {
                let key = prefix + name
                guard let source = stateDict[key] else {
                    mismatch.missing.append(key)
                    continue
                }
                used.insert(key)
                let target = entry.tensor
                guard source.shape == target.shape else {
                    throw TorchError("state dict: '\(key)' has shape \(source.shape), the model expects \(target.shape)")
                }
                try target.copy_(source)
            }
        }
        mismatch.unexpected = stateDict.keys.filter { $0.hasPrefix(prefix) && !used.contains($0) }.sorted()
        if strict && !mismatch.isEmpty { throw TorchError("state dict does not match the model: \(mismatch)") }
        return mismatch
    }

    /// Saves this module's state as safetensors.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.save(stateDict(), metadata: metadata, to: url)
    }
}
