/// A plain data tree (the shape of JSON and of a YAML document without tags) that
/// carries a plugin's parameters. The spec layer builds it from YAML, golden tests
/// from safetensors metadata; `ParamDecoder` turns it into a plugin's typed params.
public enum ParamValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ParamValue])
    case object([(key: String, value: ParamValue)])

    public static func == (a: ParamValue, b: ParamValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into h: inout Hasher) { h.combine(description) }

    /// An empty object: the params of a plugin called with all defaults.
    public static let empty = ParamValue.object([])

    /// The value under `key` when this is an object.
    public subscript(key: String) -> ParamValue? {
        if case let .object(pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    /// A short name of the value's kind for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case let .bool(b): return String(b)
        case let .int(i): return String(i)
        case let .double(d): return String(d)
        case let .string(s): return "\"\(s)\""
        case let .array(a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case let .object(o): return "{" + o.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
