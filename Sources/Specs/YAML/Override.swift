/// A `--set path=value` override from the command line.
///
/// The path is dotted keys, with list indices as numbers (`optimizer.lr=0.05`,
/// `model.branches.1.kernel=5`); the value is parsed as a YAML scalar or flow
/// collection (`[1, 2]`, `{a: 1}`, `'quoted'`). Overrides are the `<command line>`
/// source: line `n` is the `n`th override, so marks (and any later error about the
/// value) point into the override's text. Setting into a missing or null key creates
/// the mappings on the way.
public struct Override: Sendable {
    /// One key or index of the path, with its position in the override.
    public struct Component: Sendable {
        public var name: String
        public var mark: SourceMark
    }

    public var path: [Component]
    public var value: Node

    /// Parses every `--set` argument, in order, recording them as the lines of the
    /// `<command line>` source. Malformed overrides are reported and left out.
    public static func parse(_ arguments: [String], diagnostics: DiagnosticEngine) -> [Override] {
        diagnostics.addSource(SourceMark.commandLine, SourceText(lines: arguments))
        return arguments.enumerated().compactMap { parse($1, line: $0 + 1, diagnostics: diagnostics) }
    }

    /// Parses one override given as line `line` of the `<command line>` source.
    public static func parse(_ argument: String, line: Int, diagnostics: DiagnosticEngine) -> Override? {
        func mark(_ offset: Int, _ length: Int? = nil) -> SourceMark {
            SourceMark(file: SourceMark.commandLine, line: line, column: offset + 1, length: length)
        }
        let scalars = Array(argument.unicodeScalars)
        guard let equals = scalars.firstIndex(of: "=") else {
            diagnostics.error("override '\(argument)' has no '=': write path=value", at: mark(0, scalars.count))
            return nil
        }
        var path: [Component] = []
        var start = 0
        for i in 0...equals where i == equals || scalars[i] == "." {
            guard i > start else {
                diagnostics.error(
                    "empty key in override path '\(String(String.UnicodeScalarView(scalars[..<equals])))'",
                    at: mark(i))
                return nil
            }
            path.append(Component(name: String(String.UnicodeScalarView(scalars[start..<i])), mark: mark(start, i - start)))
            start = i + 1
        }
        let text = String(String.UnicodeScalarView(scalars[(equals + 1)...]))
        let marks = MarkMapper(file: SourceMark.commandLine, firstLine: line, firstColumn: equals + 2)
        let value: Node
        switch YAMLParser.build(Array(text.utf8), marks: marks, diagnostics: diagnostics) {
        case let .node(node):
            let opening = text.unicodeScalars.first { $0 != " " && $0 != "\t" }
            if node.scalar == nil, opening != "[", opening != "{" {
                diagnostics.error(
                    "an override's value must be a scalar or a flow collection ([...] or {...})",
                    at: node.mark)
                return nil
            }
            value = node
        case .empty:
            value = .plain("", at: mark(equals + 1))
        case .failed:
            return nil
        }
        return Override(path: path, value: value)
    }

    /// The overrides applied to `root` in order.
    public static func apply(_ overrides: [Override], to root: Node, diagnostics: DiagnosticEngine) -> Node {
        overrides.reduce(root) { $1.apply(to: $0, diagnostics: diagnostics) }
    }

    /// `root` with this override's value set at its path; on a bad path, the error is
    /// reported and `root` returned unchanged.
    public func apply(to root: Node, diagnostics: DiagnosticEngine) -> Node {
        if path.count + Self.height(value) > YAMLParser.maxDepth {
            diagnostics.error("the override nests deeper than \(YAMLParser.maxDepth) levels", at: path[0].mark)
            return root
        }
        return set(root, at: 0, diagnostics) ?? root
    }

    private func set(_ node: Node?, at i: Int, _ diagnostics: DiagnosticEngine) -> Node? {
        if i == path.count { return value }
        let component = path[i]
        guard let node, !node.isNull else {
            guard let inner = set(nil, at: i + 1, diagnostics) else { return nil }
            return .mapping(
                [Node.Pair(key: .string(component.name, at: component.mark), value: inner)],
                at: component.mark)
        }
        switch node.content {
        case var .mapping(pairs):
            if let k = pairs.firstIndex(where: { $0.name == component.name }) {
                guard let inner = set(pairs[k].value, at: i + 1, diagnostics) else { return nil }
                pairs[k].value = inner
            } else {
                guard let inner = set(nil, at: i + 1, diagnostics) else { return nil }
                pairs.append(Node.Pair(key: .string(component.name, at: component.mark), value: inner))
            }
            return Node(.mapping(pairs), at: node.mark)
        case var .sequence(items):
            let note = Diagnostic.note("\(name(upTo: i)) is here", at: node.mark)
            guard !component.name.isEmpty, component.name.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
                let k = Int(component.name)
            else {
                diagnostics.error(
                    "'\(component.name)' is not a list index: \(name(upTo: i)) is a list",
                    at: component.mark, notes: [note])
                return nil
            }
            guard k < items.count else {
                diagnostics.error(
                    "index \(k) is out of range: \(name(upTo: i)) has \(items.count) "
                        + (items.count == 1 ? "item" : "items"), at: component.mark, notes: [note])
                return nil
            }
            guard let inner = set(items[k], at: i + 1, diagnostics) else { return nil }
            items[k] = inner
            return Node(.sequence(items), at: node.mark)
        case .scalar:
            let target = path.prefix(i + 1).map(\.name).joined(separator: ".")
            diagnostics.error(
                "cannot set '\(target)': \(name(upTo: i)) is \(node.kindAndValue), not a mapping",
                at: component.mark, notes: [.note("\(name(upTo: i)) is set here", at: node.mark)])
            return nil
        }
    }

    /// How the node the first `count` components lead to is named in messages.
    private func name(upTo count: Int) -> String {
        count == 0 ? "the spec" : "'" + path.prefix(count).map(\.name).joined(separator: ".") + "'"
    }

    private static func height(_ node: Node) -> Int {
        switch node.content {
        case .scalar: return 0
        case let .sequence(items): return 1 + (items.map(height).max() ?? 0)
        case let .mapping(pairs): return 1 + (pairs.map { height($0.value) }.max() ?? 0)
        }
    }
}
