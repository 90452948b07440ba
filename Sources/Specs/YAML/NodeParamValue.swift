import CanopyRuntime

extension Node {
    /// The tree as the runtime's plain data value, for decoding a plugin's params.
    /// Mapping keys become their text; scalars keep their typed values.
    public var paramValue: ParamValue {
        switch content {
        case let .scalar(s):
            switch s.value {
            case .null: return .null
            case let .bool(b): return .bool(b)
            case let .int(i): return .int(i)
            case let .double(d): return .double(d)
            case .string: return .string(s.text)
            }
        case let .sequence(items): return .array(items.map(\.paramValue))
        case let .mapping(pairs): return .object(pairs.map { ($0.name, $0.value.paramValue) })
        }
    }

    /// Follows a path of mapping keys and list indices (as in `ParamError.path`) as far
    /// as it leads: the deepest node reached, the key node of the last mapping step
    /// when that step was the last of the path, and whether the whole path was found.
    public func locate(_ path: [String]) -> (node: Node, key: Node?, found: Bool) {
        var node = self
        var key: Node?
        for component in path {
            if let pair = node.pair(component) {
                key = pair.key
                node = pair.value
            } else if let items = node.items, let i = Int(component), items.indices.contains(i) {
                key = nil
                node = items[i]
            } else {
                return (node, nil, false)
            }
        }
        return (node, key, true)
    }
}

extension Diagnostic {
    /// An error for a plugin parameter problem, placed at the spec line it concerns:
    /// the offending value, the key itself for an unknown key, or the enclosing
    /// mapping for a missing one. `params` is the node the params were decoded from.
    public init(_ error: ParamError, in params: Node) {
        let (node, key, found) = params.locate(error.path)
        let mark = found && error.message.hasPrefix("unknown key") ? key?.mark ?? node.mark : node.mark
        self.init(.error, error.message, at: mark)
    }
}

extension DiagnosticEngine {
    /// Reports each of a plugin's parameter errors at its spec line.
    public func report(_ errors: ParamErrors, in params: Node) {
        for e in errors.errors { add(Diagnostic(e, in: params)) }
    }
}
