import Foundation

/// Reading PyTorch checkpoints and moving named tensors in and out of modules.
public enum StateDict {
    /// Reads a `torch.save`d state dict (zip or legacy format) into named CPU tensors; a checkpoint that wraps
    /// it under `state_dict` (mmdet) or `model` (Detectron2) is unwrapped. See `PyTorchFile`.
    public static func loadPyTorch(from url: URL) throws -> [String: Tensor] {
        try PyTorchFile(contentsOf: url).stateDict()
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
