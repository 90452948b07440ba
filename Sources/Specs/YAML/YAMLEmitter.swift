import CanopyRuntime

/// Writes a node tree as block-style YAML that parses back to the same typed tree:
/// strings double-quoted (JSON escaping, which YAML accepts), numbers, booleans and
/// nulls plain. Used for a run's `spec.resolved.yaml`.
public enum YAMLEmitter {
    public static func emit(_ node: Node) -> String {
        var out = ""
        write(node, indent: 0, into: &out, inline: false)
        return out.hasSuffix("\n") ? out : out + "\n"
    }

    private static func write(_ node: Node, indent: Int, into out: inout String, inline: Bool) {
        let pad = String(repeating: "  ", count: indent)
        switch node.content {
        case .scalar:
            out += scalar(node) + "\n"
        case let .sequence(items):
            if items.isEmpty { out += "[]\n"; return }
            if inline { out += "\n" }
            for item in items {
                out += pad + "-"
                if item.scalar != nil || isEmptyCollection(item) {
                    out += " "
                    write(item, indent: indent + 1, into: &out, inline: true)
                } else {
                    out += "\n"
                    write(item, indent: indent + 1, into: &out, inline: false)
                }
            }
        case let .mapping(pairs):
            if pairs.isEmpty { out += "{}\n"; return }
            if inline { out += "\n" }
            for pair in pairs {
                out += pad + quoted(pair.name) + ":"
                if pair.value.scalar != nil || isEmptyCollection(pair.value) {
                    out += " "
                    write(pair.value, indent: indent + 1, into: &out, inline: true)
                } else {
                    out += "\n"
                    write(pair.value, indent: indent + 1, into: &out, inline: false)
                }
            }
        }
    }

    private static func isEmptyCollection(_ node: Node) -> Bool {
        node.items?.isEmpty == true || node.pairs?.isEmpty == true
    }

    private static func scalar(_ node: Node) -> String {
        guard let s = node.scalar else { return "null" }
        switch s.value {
        case .null: return "null"
        case let .bool(b): return String(b)
        case let .int(i): return String(i)
        case let .double(d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            return String(d)
        case .string: return quoted(s.text)
        }
    }

    /// A JSON string literal, which is also a YAML double-quoted scalar.
    private static func quoted(_ text: String) -> String { JSON.serialize(.string(text)) }
}
