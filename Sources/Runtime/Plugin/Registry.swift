/// A name-keyed table of plugins of one kind (kernels, backbones, losses, ...), kept
/// in registration order. Registration is explicit; a duplicate name is an error that
/// names both types.
public struct Registry<Entry>: Sendable where Entry: Sendable {
    /// What kind of plugin this registry holds ("kernel", "loss", ...), for messages.
    public let kind: String
    private var entries: [String: (entry: Entry, typeName: String)] = [:]
    /// Names in registration order.
    public private(set) var names: [String] = []

    public init(kind: String) { self.kind = kind }

    /// Adds `entry` under `name`; throws if the name is taken.
    public mutating func register(_ name: String, _ entry: Entry, typeName: String) throws(RegistryError) {
        if let existing = entries[name] {
            throw RegistryError.duplicate(kind: kind, name: name, first: existing.typeName, second: typeName)
        }
        entries[name] = (entry, typeName)
        names.append(name)
    }

    /// The entry for `name`, or nil.
    public subscript(name: String) -> Entry? { entries[name]?.entry }

    /// The entry for `name`; an unknown name is an error with a did-you-mean.
    public func lookup(_ name: String) throws(RegistryError) -> Entry {
        guard let e = entries[name] else {
            throw RegistryError.unknown(
                kind: kind, name: name, suggestion: Suggestion.closest(to: name, in: names),
                known: names)
        }
        return e.entry
    }

    /// Every entry in registration order.
    public var all: [(name: String, entry: Entry)] { names.map { ($0, entries[$0]!.entry) } }
}

/// A registration or lookup failure.
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    case duplicate(kind: String, name: String, first: String, second: String)
    /// An unregistered name, with the closest registered one and every registered name
    /// (listed when nothing is close).
    case unknown(kind: String, name: String, suggestion: String?, known: [String])

    public var description: String {
        switch self {
        case let .duplicate(kind, name, first, second):
            return "\(kind) '\(name)' is registered twice: by \(first) and by \(second)"
        case let .unknown(kind, name, suggestion, known):
            if let suggestion { return "unknown \(kind) '\(name)' (did you mean '\(suggestion)'?)" }
            return "unknown \(kind) '\(name)'" + (known.isEmpty ? "" : " (registered: \(known.joined(separator: ", ")))")
        }
    }
}

/// One documented parameter of a plugin, as `canopy plugins` lists it.
public struct ParameterDoc: Sendable, Equatable {
    public var name: String
    public var type: String
    /// The default as written in a spec, or nil when the parameter is required.
    public var defaultValue: String?
    public var doc: String

    public init(_ name: String, _ type: String, default defaultValue: String? = nil, _ doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}
