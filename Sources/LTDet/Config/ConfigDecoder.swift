import Foundation
import Yams

/// Typed settings with defaults: a configuration file states only what differs from `init()`.
public protocol ConfigSection: Codable {
    init()
}

/// Decodes a configuration tree into typed settings and rejects keys the settings do not know: a misspelt
/// key must be an error that names it, not a silently ignored default.
public enum ConfigDecoder {
    /// `defaults` (`T()` unless given) supplies every key the file does not state.
    public static func decode<T: ConfigSection>(_ type: T.Type, from given: Node, file: String, defaults: T = T())
        throws -> T
    {
        // Missing keys take the defaults: the file is merged over the encoded default settings.
        let defaults = try Yams.compose(yaml: try YAMLEncoder().encode(defaults)) ?? Node.mapping([:])
        let node = ConfigFile.merge(defaults, given)
        let value: T
        do {
            value = try YAMLDecoder().decode(T.self, from: node)
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigError(
                file: file, key: keyPath(context.codingPath),
                "wrong type (\(context.debugDescription)); value: \(describe(node, at: context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ConfigError(file: file, key: keyPath(context.codingPath), "missing value")
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigError(file: file, key: keyPath(context.codingPath + [key]), "required key is missing")
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigError(
                file: file, key: keyPath(context.codingPath),
                "\(context.debugDescription); value: \(describe(node, at: context.codingPath))")
        }
        // Keys present in the file but absent from the re-encoded settings are unknown to the settings.
        let encoded = try Yams.compose(yaml: try YAMLEncoder().encode(value)) ?? Node.mapping([:])
        if let unknown = unknownKeys(in: given, comparedTo: encoded, prefix: "").first {
            throw ConfigError(file: file, key: unknown, "unknown configuration key")
        }
        return value
    }

    static func unknownKeys(in given: Node, comparedTo known: Node, prefix: String) -> [String] {
        guard let g = given.mapping else { return [] }
        let k = known.mapping
        var result: [String] = []
        for (key, value) in g {
            let name = key.string ?? "\(key)"
            let path = prefix.isEmpty ? name : prefix + "." + name
            guard let knownValue = k?[name] else {
                // `key: null` clears an optional setting (`pretrained=null`); the re-encoded value omits it.
                if case .scalar(let scalar) = value, scalar.string == "null" || scalar.string == "~" { continue }
                result.append(path)
                continue
            }
            result += unknownKeys(in: value, comparedTo: knownValue, prefix: path)
        }
        return result
    }

    static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func describe(_ node: Node, at path: [any CodingKey]) -> String {
        var current: Node? = node
        for key in path {
            if let i = key.intValue { current = current?.sequence.flatMap { i < $0.count ? $0[i] : nil } }
            else { current = current?.mapping?[key.stringValue] }
        }
        guard let c = current else { return "<absent>" }
        return (try? Yams.serialize(node: c).trimmingCharacters(in: .whitespacesAndNewlines)) ?? "\(c)"
    }
}
