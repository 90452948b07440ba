import CanopyRuntime

/// Builds a `Node` tree from parser events, iteratively (an explicit stack of open
/// collections, no recursion), checking what libyaml leaves to the loader:
///
/// - anchors and aliases: an alias shares the anchored subtree (taking the alias's
///   mark at its top); an unknown or recursive alias is an error;
/// - limits: nesting deeper than `YAMLParser.maxDepth` collections, or more than
///   `YAMLParser.maxNodes` nodes once aliases are expanded (the "billion laughs"),
///   stops the parse with an error;
/// - tags: only the core tags and the non-specific `!` are accepted; no tag runs code;
/// - duplicate keys: an error at the second occurrence with a note at the first;
///   non-scalar keys are errors;
/// - merge keys: `<<: *base` (or a list of aliases) copies in the keys the mapping
///   does not set itself, earlier sources winning, as YAML 1.1 loaders do.
struct TreeBuilder {
    /// A finished subtree with its size once aliases are expanded and its collection depth.
    struct Built {
        var node: Node
        var weight: Int
        var height: Int
    }

    private struct Frame {
        var isMapping: Bool
        var mark: SourceMark
        var anchor: String?
        var items: [Node] = []
        var pairs: [Node.Pair] = []
        var pendingKey: Node?
        var skipValue = false
        var keyIndex: [String: Int] = [:]
        var mergeKey: Node?
        var merges: [(position: Int, sources: [Node])] = []
        var weight = 1
        var height = 1
    }

    let diagnostics: DiagnosticEngine
    private var stack: [Frame] = []
    private var anchors: [String: Built] = [:]
    private var expanded = 0
    private(set) var root: Built?
    /// Set when a limit was hit; the caller stops feeding events.
    private(set) var aborted = false

    init(diagnostics: DiagnosticEngine) { self.diagnostics = diagnostics }

    // MARK: Events

    mutating func scalar(_ scalar: Scalar, anchor: String?, at mark: SourceMark) {
        guard count(1, at: mark) else { return }
        let built = Built(node: Node(.scalar(scalar), at: mark), weight: 1, height: 0)
        if let anchor { anchors[anchor] = built }
        add(built)
    }

    mutating func alias(_ name: String, at mark: SourceMark) {
        guard let target = anchors[name] else {
            if stack.contains(where: { $0.anchor == name }) {
                diagnostics.error("alias '*\(name)' refers to a node that contains it", at: mark)
            } else {
                diagnostics.error("unknown anchor '\(name)'" + Suggestion.note(for: name, in: anchors.keys), at: mark)
            }
            guard count(1, at: mark) else { return }
            add(Built(node: .plain("", at: mark), weight: 1, height: 0))
            return
        }
        if stack.count + target.height > YAMLParser.maxDepth {
            abort("alias '*\(name)' nests the document deeper than \(YAMLParser.maxDepth) levels", at: mark)
            return
        }
        guard count(target.weight, at: mark) else { return }
        var shared = target
        shared.node.mark = mark
        add(shared)
    }

    mutating func startCollection(mapping: Bool, anchor: String?, at mark: SourceMark) {
        if stack.count >= YAMLParser.maxDepth {
            abort("the document nests deeper than \(YAMLParser.maxDepth) levels", at: mark)
            return
        }
        guard count(1, at: mark) else { return }
        stack.append(Frame(isMapping: mapping, mark: mark, anchor: anchor))
    }

    /// Closes the innermost collection; `length` is its extent when it fits on one line.
    mutating func endCollection(length: Int?) {
        guard var frame = stack.popLast() else { return }
        if let length { frame.mark.length = length }
        let node =
            frame.isMapping
            ? Node(.mapping(Self.applyMerges(frame)), at: frame.mark)
            : Node(.sequence(frame.items), at: frame.mark)
        let built = Built(node: node, weight: frame.weight, height: frame.height)
        if let anchor = frame.anchor { anchors[anchor] = built }
        add(built)
    }

    /// The mark of the innermost open collection, to measure its extent when it closes.
    var openCollectionMark: SourceMark? { stack.last?.mark }

    // MARK: Building

    private mutating func count(_ nodes: Int, at mark: SourceMark) -> Bool {
        expanded += nodes
        if expanded > YAMLParser.maxNodes {
            abort("the document expands to more than \(YAMLParser.maxNodes) nodes through its aliases", at: mark)
            return false
        }
        return true
    }

    private mutating func abort(_ message: String, at mark: SourceMark) {
        diagnostics.error(message, at: mark)
        aborted = true
    }

    private mutating func add(_ built: Built) {
        guard var top = stack.popLast() else {
            root = built
            return
        }
        top.weight += built.weight
        top.height = max(top.height, built.height + 1)
        if !top.isMapping {
            top.items.append(built.node)
        } else if let key = top.pendingKey {
            top.pendingKey = nil
            if top.skipValue {
                top.skipValue = false
            } else {
                addPair(key: key, value: built.node, to: &top)
            }
        } else {
            if built.node.scalar == nil {
                diagnostics.error("a mapping key must be a scalar, found \(built.node.kindName)", at: built.node.mark)
                top.skipValue = true
            }
            top.pendingKey = built.node
        }
        stack.append(top)
    }

    private func addPair(key: Node, value: Node, to frame: inout Frame) {
        let name = key.scalar!.text
        if name == "<<", key.scalar?.style == .plain {
            if let first = frame.mergeKey {
                duplicate(key, first: first)
                return
            }
            frame.mergeKey = key
            let sources =
                value.pairs != nil
                ? [value]
                : value.items.flatMap { items in
                    items.allSatisfy { $0.pairs != nil } ? items : nil
                }
            guard let sources else {
                diagnostics.error(
                    "a merge key '<<' takes a mapping or a list of mappings, found \(value.kindName)",
                    at: value.mark)
                return
            }
            frame.merges.append((frame.pairs.count, sources))
            return
        }
        if let first = frame.keyIndex[name] {
            duplicate(key, first: frame.pairs[first].key)
            return
        }
        frame.keyIndex[name] = frame.pairs.count
        frame.pairs.append(Node.Pair(key: key, value: value))
    }

    private func duplicate(_ key: Node, first: Node) {
        diagnostics.error(
            "duplicate key '\(key.scalar!.text)'", at: key.mark,
            notes: [.note("'\(first.scalar!.text)' first appears here", at: first.mark)])
    }

    /// The mapping's pairs with merged-in pairs placed where the `<<` key stood.
    private static func applyMerges(_ frame: Frame) -> [Node.Pair] {
        guard !frame.merges.isEmpty else { return frame.pairs }
        var present = Set(frame.keyIndex.keys)
        var result: [Node.Pair] = []
        var next = 0
        for merge in frame.merges {
            result += frame.pairs[next..<merge.position]
            next = merge.position
            for source in merge.sources {
                for pair in source.pairs ?? [] where present.insert(pair.name).inserted {
                    result.append(pair)
                }
            }
        }
        return result + frame.pairs[next...]
    }
}
