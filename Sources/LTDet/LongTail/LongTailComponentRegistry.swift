import Foundation
import Synchronization
import Torch

/// One entry of `model.roi_head.long_tail`: a component `type` and its parameters, which the component decodes
/// into its own typed settings (so each method names and validates its own keys).
public struct LongTailComponentConfig: Codable, Sendable, Equatable {
    public var type: String
    public var options: [String: ConfigValue]

    public init(type: String, options: [String: ConfigValue] = [:]) {
        self.type = type
        self.options = options
    }

    public init(from decoder: any Decoder) throws {
        var all = try [String: ConfigValue](from: decoder)
        guard case .string(let type)? = all.removeValue(forKey: "type") else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "a long-tail component needs a string `type`"))
        }
        self.type = type
        options = all
    }

    public func encode(to encoder: any Encoder) throws {
        var all = options
        all["type"] = .string(type)
        try all.encode(to: encoder)
    }

    /// The options decoded into a component's settings; a key the settings do not know is an error.
    public func decodeOptions<T: Codable>(_: T.Type) throws -> T {
        let data = try JSONEncoder().encode(options)
        let value = try JSONDecoder().decode(T.self, from: data)
        let known = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any] ?? [:]
        if let unknown = options.keys.sorted().first(where: { known[$0] == nil }) {
            throw TorchError("long_tail component \(type): unknown option '\(unknown)'")
        }
        return value
    }
}

/// What a component may need to build itself: the model's sizes.
public struct LongTailBuildContext {
    public var numClasses: Int
    /// Channels and size of the pooled RoI features, and width of the features after the shared FCs.
    public var roiChannels: Int
    public var roiSize: Int
    public var sharedWidth: Int
    /// The box head's regression coder (components that encode targets of their own boxes use it).
    public var boxCoder: DeltaXYWHBoxCoder
}

/// Builds long-tail components from config by `type`. Methods register here; tests and plug-ins may add
/// their own types with `register`.
public enum LongTailComponentRegistry {
    public typealias Factory = @Sendable (LongTailComponentConfig, LongTailBuildContext) throws -> any LongTailComponent

    /// The methods LTDet ships, by config type: one line per method (LOCE's feature sampling and RIO's replay
    /// arrive here).
    private static let builtIn: [String: Factory] = [
        "MemoryReplay": { try MemoryReplay(config: $0, context: $1) },
    ]

    private static let factories = Mutex<[String: Factory]>(builtIn)

    public static func register(_ type: String, factory: @escaping Factory) {
        factories.withLock { $0[type] = factory }
    }

    public static var registeredTypes: [String] { factories.withLock { $0.keys.sorted() } }

    public static func make(_ config: LongTailComponentConfig, context: LongTailBuildContext) throws
        -> any LongTailComponent
    {
        guard let factory = factories.withLock({ $0[config.type] }) else {
            let known = registeredTypes
            throw TorchError(
                "model.roi_head.long_tail: unknown component type '\(config.type)'"
                    + (known.isEmpty ? " (none is registered)" : " (known: \(known.joined(separator: ", ")))"))
        }
        return try factory(config, context)
    }
}

/// A JSON-like configuration value: what a component's free-form options hold before it decodes them.
public enum ConfigValue: Codable, Sendable, Equatable {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ConfigValue])
    case object([String: ConfigValue])

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var object: [String: ConfigValue] = [:]
            for key in keyed.allKeys { object[key.stringValue] = try keyed.decode(ConfigValue.self, forKey: key) }
            self = .object(object)
            return
        }
        if var list = try? decoder.unkeyedContainer() {
            var array: [ConfigValue] = []
            while !list.isAtEnd { array.append(try list.decode(ConfigValue.self)) }
            self = .array(array)
            return
        }
        let single = try decoder.singleValueContainer()
        if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let i = try? single.decode(Int.self) { self = .int(i) }
        else if let d = try? single.decode(Double.self) { self = .double(d) }
        else { self = .string(try single.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .int(let i): var c = encoder.singleValueContainer(); try c.encode(i)
        case .double(let d): var c = encoder.singleValueContainer(); try c.encode(d)
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let a): try a.encode(to: encoder)
        case .object(let o): try o.encode(to: encoder)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
