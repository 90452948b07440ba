import CanopyRuntime

/// Writes a node tree as YAML a researcher would write by hand, and that parses back to
/// the same typed tree: block mappings, `- key: value` list items, short lists of
/// scalars in flow style (`k: [1, 5]`), and strings plain unless the core schema would
/// read them as something else or they hold YAML syntax (then double-quoted with JSON
/// escaping, which YAML accepts). Used for a run's `spec.resolved.yaml` and
/// `canopy plan --dump method`.
public enum YAMLEmitter {
    public static func emit(_ node: Node) -> String {
        var out = ""
        switch node.content {
        case .scalar: out = scalar(node, flow: false) + "\n"
        case .sequence, .mapping: writeBlock(node, indent: 0, into: &out)
        }
        return out
    }

    /// The longest line a list of scalars is written on in flow style.
    private static let flowWidth = 80

    /// Writes a collection as block lines at `indent`, each ending in a newline.
    private static func writeBlock(_ node: Node, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        switch node.content {
        case .scalar: out += pad + scalar(node, flow: false) + "\n"
        case let .sequence(items):
            for item in items {
                if let pairs = item.pairs, !pairs.isEmpty {
                    // `- first: value` with the other keys aligned under `first`.
                    var body = ""
                    writeBlock(item, indent: indent + 1, into: &body)
                    out += pad + "- " + String(body.dropFirst(pad.count + 2))
                } else if let inline = inline(item) {
                    out += pad + "- " + inline + "\n"
                } else {
                    out += pad + "-\n"
                    writeBlock(item, indent: indent + 1, into: &out)
                }
            }
        case let .mapping(pairs):
            for pair in pairs {
                let key = pad + text(pair.name, flow: false) + ":"
                if let inline = inline(pair.value), key.count + 1 + inline.count <= flowWidth || pair.value.scalar != nil {
                    out += key + " " + inline + "\n"
                } else {
                    out += key + "\n"
                    writeBlock(pair.value, indent: indent + 1, into: &out)
                }
            }
        }
    }

    /// A scalar, an empty collection, or a list of scalars on one line; nil for anything else.
    private static func inline(_ node: Node) -> String? {
        switch node.content {
        case .scalar: return scalar(node, flow: false)
        case let .mapping(pairs): return pairs.isEmpty ? "{}" : nil
        case let .sequence(items):
            guard items.allSatisfy({ $0.scalar != nil }) else { return nil }
            return "[" + items.map { scalar($0, flow: true) }.joined(separator: ", ") + "]"
        }
    }

    private static func scalar(_ node: Node, flow: Bool) -> String {
        guard let s = node.scalar else { return "null" }
        switch s.value {
        case .null: return "null"
        case let .bool(b): return String(b)
        case let .int(i): return String(i)
        case let .double(d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            return String(d)
        case .string: return text(s.text, flow: flow)
        }
    }

    /// `text` plain when that reads back as the same string, else double-quoted.
    private static func text(_ text: String, flow: Bool) -> String {
        isPlainSafe(text, flow: flow) ? text : JSON.serialize(.string(text))
    }

    /// Whether `text` written plain is read back as this string: it types as a string
    /// in the core schema, starts with a letter, digit or `_`, and holds only letters,
    /// digits, spaces and `_-./+*()` (plus `[]` outside flow collections), with no
    /// leading, trailing or doubled-up spaces that YAML would fold.
    static func isPlainSafe(_ text: String, flow: Bool) -> Bool {
        guard let first = text.unicodeScalars.first, CoreSchema.resolve(text) == .string,
            first.properties.isAlphabetic || ("0"..."9").contains(first) || first == "_",
            text.unicodeScalars.last != " ", !text.contains("  ")
        else { return false }
        return text.unicodeScalars.allSatisfy { c in
            (c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))) || "_-./+*() ".unicodeScalars.contains(c)
                || (!flow && (c == "[" || c == "]"))
        }
    }
}
