/// A YAML value with its source position: a scalar, a sequence, or a mapping whose
/// ordered pairs keep their key nodes (and so the keys' own marks).
///
/// Nodes are values; a subtree reached through an alias is shared (copy-on-write)
/// rather than copied. Nodes that a pass synthesizes or merges keep the mark of the
/// spec text they came from.
public struct Node: Sendable, CustomStringConvertible {
    /// What a node holds.
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Pair])
    }

    /// One key/value entry of a mapping. The key is a scalar node.
    public struct Pair: Sendable {
        public var key: Node
        public var value: Node

        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }

        /// The key's text.
        public var name: String { key.scalar?.text ?? "" }
    }

    public var content: Content
    public var mark: SourceMark

    public init(_ content: Content, at mark: SourceMark) {
        self.content = content
        self.mark = mark
    }

    /// A plain scalar typed by the core schema (`"3"` gives the integer 3).
    public static func plain(_ text: String, at mark: SourceMark) -> Node {
        Node(.scalar(Scalar(plain: text)), at: mark)
    }

    /// A string scalar.
    public static func string(_ text: String, at mark: SourceMark) -> Node {
        Node(.scalar(Scalar(string: text)), at: mark)
    }

    public static func sequence(_ items: [Node], at mark: SourceMark) -> Node { Node(.sequence(items), at: mark) }

    public static func mapping(_ pairs: [Pair], at mark: SourceMark) -> Node { Node(.mapping(pairs), at: mark) }

    // MARK: Views

    public var scalar: Scalar? {
        if case let .scalar(s) = content { return s }
        return nil
    }

    /// The items of a sequence.
    public var items: [Node]? {
        if case let .sequence(items) = content { return items }
        return nil
    }

    /// The pairs of a mapping.
    public var pairs: [Pair]? {
        if case let .mapping(pairs) = content { return pairs }
        return nil
    }

    /// The value under `key` in a mapping.
    public subscript(key: String) -> Node? { pairs?.first { $0.name == key }?.value }

    /// The pair whose key is `key` in a mapping.
    public func pair(_ key: String) -> Pair? { pairs?.first { $0.name == key } }

    public var isNull: Bool { scalar?.value == .null }

    /// An integer, or a double with an integral value of magnitude below 2^53.
    public var int: Int? {
        switch scalar?.value {
        case let .int(i): return i
        case let .double(d) where d.rounded() == d && abs(d) < 9_007_199_254_740_992: return Int(d)
        default: return nil
        }
    }

    /// A double, or an integer as a double.
    public var double: Double? {
        switch scalar?.value {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }

    public var bool: Bool? {
        if case let .bool(b) = scalar?.value { return b }
        return nil
    }

    /// The text of a string scalar (quoted, or plain text that is no other type).
    public var string: String? {
        guard let s = scalar, s.value == .string else { return nil }
        return s.text
    }

    /// The source text of any scalar.
    public var text: String? { scalar?.text }

    /// "a mapping", "a list", "an integer", ... for messages.
    public var kindName: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case let .scalar(s):
            switch s.value {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .double: return "a number"
            case .string: return "a string"
            }
        }
    }

    /// The kind with the value, for messages: "a string 'abc'", "an integer 5", "a list".
    public var kindAndValue: String {
        guard let s = scalar else { return kindName }
        switch s.value {
        case .null: return "null"
        case .string: return "a string '\(s.text)'"
        default: return "\(kindName) \(s.text)"
        }
    }

    /// Flow-style YAML-like text of the tree (strings quoted), for dumps and test output.
    public var description: String {
        switch content {
        case let .scalar(s):
            switch s.value {
            case .null: return "null"
            case let .bool(b): return String(b)
            case let .int(i): return String(i)
            case let .double(d): return String(d)
            case .string: return "\"" + s.text.replacingEscapes() + "\""
            }
        case let .sequence(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .mapping(pairs):
            return "{" + pairs.map { "\($0.name.replacingEscapes()): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

extension String {
    /// Backslash-escapes quotes, backslashes and control characters, for one-line dumps.
    fileprivate func replacingEscapes() -> String {
        var out = ""
        for c in unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out += "\\x" + String(c.value, radix: 16)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }
}
