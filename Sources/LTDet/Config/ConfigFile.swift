import Foundation
import Yams

/// Loads experiment configurations: YAML files with mmcv-style inheritance and command-line overrides.
///
/// - `_base_: path` (or a list of paths), relative to the file, is loaded first and this file merged over it;
///   mappings merge key by key, anything else replaces. `_delete_: true` inside a mapping replaces the base
///   mapping instead of merging (as mmcv).
/// - Overrides `a.b.c=value` are applied last; the value is parsed as a YAML scalar or flow collection
///   (`lr=0.01`, `steps=[8, 11]`, `type=SeesawLoss`).
public enum ConfigFile {
    public static func load(_ path: String, overrides: [String] = []) throws -> Node {
        var node = try loadWithBases(path, chain: [])
        for o in overrides { node = try apply(override: o, to: node, file: path) }
        return node
    }

    static func loadWithBases(_ path: String, chain: [String]) throws -> Node {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard !chain.contains(url.path) else {
            throw ConfigError(file: path, key: "_base_", "inheritance cycle: \((chain + [url.path]).joined(separator: " -> "))")
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: "", "cannot read the file (\(error.localizedDescription))")
        }
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(file: path, key: "", "malformed YAML: \(error)")
        }
        guard let root = parsed else { return Node.mapping([:]) }
        guard var mapping = root.mapping else { throw ConfigError(file: path, key: "", "the top level must be a mapping") }
        var bases: [String] = []
        if let base = mapping["_base_"] {
            if let s = base.string {
                bases = [s]
            } else if let seq = base.sequence {
                bases = seq.compactMap(\.string)
            } else {
                throw ConfigError(file: path, key: "_base_", "must be a path or a list of paths")
            }
            mapping["_base_"] = nil
        }
        var merged = Node.mapping([:])
        for b in bases {
            let basePath = b.hasPrefix("/") ? b : url.deletingLastPathComponent().appendingPathComponent(b).path
            merged = merge(merged, try loadWithBases(basePath, chain: chain + [url.path]))
        }
        return merge(merged, .mapping(mapping))
    }

    /// `override` merged over `base`: mappings key by key, everything else replaced.
    static func merge(_ base: Node, _ override: Node) -> Node {
        guard var baseMap = base.mapping, var over = override.mapping else { return override }
        if over["_delete_"]?.bool == true {
            over["_delete_"] = nil
            return .mapping(over)
        }
        for (k, v) in over {
            if let existing = baseMap[k] {
                baseMap[k] = merge(existing, v)
            } else {
                baseMap[k] = v
            }
        }
        return .mapping(baseMap)
    }

    static func apply(override: String, to node: Node, file: String) throws -> Node {
        guard let eq = override.firstIndex(of: "=") else {
            throw ConfigError(file: "--set", key: override, "expected key.path=value")
        }
        let path = override[..<eq].split(separator: ".").map(String.init)
        let valueText = String(override[override.index(after: eq)...])
        guard !path.isEmpty else { throw ConfigError(file: "--set", key: override, "empty key") }
        let value: Node
        do {
            value = try Yams.compose(yaml: valueText) ?? Node("")
        } catch {
            throw ConfigError(file: "--set", key: path.joined(separator: "."), "cannot parse value '\(valueText)'")
        }
        return set(value, at: path[...], in: node)
    }

    static func set(_ value: Node, at path: ArraySlice<String>, in node: Node) -> Node {
        guard let key = path.first else { return value }
        var mapping = node.mapping ?? [:]
        let child = mapping[key] ?? Node.mapping([:])
        mapping[key] = set(value, at: path.dropFirst(), in: child)
        return .mapping(mapping)
    }
}
