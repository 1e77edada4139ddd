/// A trainable tensor of a module. Declared as `@Parameter var weight: Tensor`; the state-dict name is the
/// property name in snake_case (`runningMean` -> `running_mean`), prefixed by the path of owning modules.
/// A class, so that loading a checkpoint or moving a model updates the tensor every holder sees.
@propertyWrapper
public final class Parameter: @unchecked Sendable {
    public var wrappedValue: Tensor

    public init(wrappedValue: Tensor) {
        self.wrappedValue = wrappedValue
        // Parameters are leaves that require gradients unless frozen later.
        _ = try? wrappedValue.requiresGrad(true)
    }

    public var projectedValue: Parameter { self }
}

/// A non-trainable state tensor saved with the module (running statistics, method state).
@propertyWrapper
public final class Buffer: @unchecked Sendable {
    public var wrappedValue: Tensor

    public init(wrappedValue: Tensor) { self.wrappedValue = wrappedValue }

    public var projectedValue: Buffer { self }
}

/// One named entry of a module's state.
public enum StateEntry {
    case parameter(Parameter)
    case buffer(Buffer)

    public var tensor: Tensor {
        get {
            switch self {
            case .parameter(let p): p.wrappedValue
            case .buffer(let b): b.wrappedValue
            }
        }
        nonmutating set {
            switch self {
            case .parameter(let p): p.wrappedValue = newValue
            case .buffer(let b): b.wrappedValue = newValue
            }
        }
    }
}

/// Base class of every network part. State and children are found by reflection over stored properties:
/// `@Parameter`/`@Buffer` tensors, child modules, arrays of modules (named 0, 1, ...) and optionals of them.
/// Names follow PyTorch (`backbone.layer1.0.conv1.weight`) so that torchvision and mmdet weights map
/// directly.
open class Module {
    /// Training mode (batch statistics, dropout, sampling) versus evaluation mode.
    public private(set) var isTraining = true

    public init() {}

    /// The direct children with their names. Override only when reflection would get the names wrong.
    open func namedChildren() -> [(String, Module)] { reflectMembers().children }

    /// The state tensors held directly by this module.
    open func localState() -> [(String, StateEntry)] { reflectMembers().state }

    /// Every state entry of this module and its descendants, with hierarchical names, in declaration order.
    public func namedState(prefix: String = "") -> [(String, StateEntry)] {
        var result: [(String, StateEntry)] = []
        for (name, entry) in localState() { result.append((prefix + name, entry)) }
        for (name, child) in namedChildren() {
            result.append(contentsOf: child.namedState(prefix: prefix + name + "."))
        }
        return result
    }

    public func namedParameters() -> [(String, Parameter)] {
        namedState().compactMap { name, entry in
            if case .parameter(let p) = entry { return (name, p) }
            return nil
        }
    }

    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// The parameters an optimiser should update: those not frozen.
    public func trainableParameters() -> [Parameter] { parameters().filter { $0.wrappedValue.requiresGrad } }

    public func namedBuffers() -> [(String, Buffer)] {
        namedState().compactMap { name, entry in
            if case .buffer(let b) = entry { return (name, b) }
            return nil
        }
    }

    /// Every module in the tree (self first), with its path.
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var result: [(String, Module)] = [(prefix, self)]
        for (name, child) in namedChildren() {
            let path = prefix.isEmpty ? name : prefix + "." + name
            result.append(contentsOf: child.namedModules(prefix: path))
        }
        return result
    }

    /// Switches this module and all descendants to training (true) or evaluation (false) mode.
    public func train(_ mode: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = mode }
    }

    public func eval() { train(false) }

    /// Stops (or resumes) gradient computation for every parameter below this module.
    public func freeze(_ frozen: Bool = true) throws {
        for p in parameters() { try p.wrappedValue.requiresGrad(!frozen) }
    }

    /// Moves all state to a device and/or dtype (floating-point state only changes dtype).
    public func to(_ device: Device, dtype: DType? = nil) throws {
        for (_, entry) in namedState() {
            let t = entry.tensor
            let target = (dtype != nil && t.dtype.isFloatingPoint) ? dtype! : t.dtype
            if t.device == device && t.dtype == target { continue }
            let wasTrainable = t.requiresGrad
            let moved = try withNoGrad { try t.to(target, device).detach() }
            if wasTrainable { try moved.requiresGrad(true) }
            entry.tensor = moved
        }
    }

    private func reflectMembers() -> (state: [(String, StateEntry)], children: [(String, Module)]) {
        var state: [(String, StateEntry)] = []
        var children: [(String, Module)] = []
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror, m.subjectType != Module.self {
            mirrors.append(m)
            mirror = m.superclassMirror
        }
        // Superclass properties first, as PyTorch registers a base class's members before a subclass's.
        for m in mirrors.reversed() {
            for child in m.children {
                guard let label = child.label else { continue }
                let isWrapped = label.hasPrefix("_")
                let name = snakeCase(isWrapped ? String(label.dropFirst()) : label)
                collect(child.value, name: name, state: &state, children: &children)
            }
        }
        return (state, children)
    }

    private func collect(
        _ value: Any, name: String, state: inout [(String, StateEntry)], children: inout [(String, Module)]
    ) {
        switch value {
        case let p as Parameter: state.append((name, .parameter(p)))
        case let b as Buffer: state.append((name, .buffer(b)))
        case let m as Module: children.append((name, m))
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                if let wrapped = mirror.children.first?.value {
                    collect(wrapped, name: name, state: &state, children: &children)
                }
            } else if mirror.displayStyle == .collection {
                for (i, element) in mirror.children.enumerated() {
                    if let m = element.value as? Module { children.append(("\(name).\(i)", m)) }
                }
            }
        }
    }
}

/// `runningMean` -> `running_mean`; digits stay attached (`layer1`, `conv2d3x3`).
func snakeCase(_ name: String) -> String {
    var out = ""
    for ch in name {
        if ch.isUppercase {
            if !out.isEmpty { out.append("_") }
            out.append(contentsOf: ch.lowercased())
        } else {
            out.append(ch)
        }
    }
    return out
}

/// A module that maps one tensor to one tensor, so that it can sit in a `Sequential`.
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) throws -> Tensor
}
