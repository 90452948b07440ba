extension Node {
    /// `over` laid onto `base`, as `extends:` and `method:` combine a spec with its base:
    /// mappings merge key by key, recursively, with `over` winning and new keys appended
    /// in `over`'s order; a list, scalar or null in `over` replaces whatever `base` has.
    ///
    /// A mapping laid onto a list of named items (mappings with a `name`, such as
    /// `losses` or `model.nodes`) patches that list: each key names an item (by its
    /// `name`, or by its index as a number) and its value is merged onto that item; a key
    /// naming no item appends a new item with that name. So
    /// `losses: {ce_branches: {params: {label_smoothing: 0.1}}}` (or
    /// `--set losses.ce_branches.params.label_smoothing=0.1`) changes one term that a
    /// method wrote. An index past the end is reported to `diagnostics`.
    ///
    /// Every node keeps the mark of the file it came from; a merged mapping takes
    /// `over`'s mark.
    public static func merged(_ base: Node, _ over: Node, diagnostics: DiagnosticEngine? = nil) -> Node {
        guard let overPairs = over.pairs else { return over }
        if let items = base.items, let names = itemNames(items) {
            return patched(items, names: names, by: overPairs, list: base, diagnostics: diagnostics)
        }
        guard let basePairs = base.pairs else { return over }
        var pairs = basePairs
        var index: [String: Int] = [:]
        for (i, pair) in pairs.enumerated() where index[pair.name] == nil { index[pair.name] = i }
        for pair in overPairs {
            if let i = index[pair.name] {
                pairs[i] = Pair(key: pair.key, value: merged(pairs[i].value, pair.value, diagnostics: diagnostics))
            } else {
                index[pair.name] = pairs.count
                pairs.append(pair)
            }
        }
        return Node(.mapping(pairs), at: over.mark)
    }

    /// The `name` of every item, when the list is non-empty and every item is a mapping with a string `name`.
    private static func itemNames(_ items: [Node]) -> [String]? {
        let names = items.compactMap { $0["name"]?.string }
        return !items.isEmpty && names.count == items.count ? names : nil
    }

    /// `items` with each pair of `patches` merged onto the item it names, or appended.
    private static func patched(
        _ items: [Node], names: [String], by patches: [Pair], list: Node,
        diagnostics: DiagnosticEngine?
    ) -> Node {
        var items = items
        var names = names
        for patch in patches {
            let key = patch.name
            if let i = names.firstIndex(of: key) {
                items[i] = merged(items[i], patch.value, diagnostics: diagnostics)
            } else if !key.isEmpty, key.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) {
                guard let i = Int(key), i < items.count else {
                    diagnostics?.error(
                        "index \(key) is out of range: the list has \(items.count) "
                            + (items.count == 1 ? "item" : "items") + " (\(names.joined(separator: ", ")))",
                        at: patch.key.mark, notes: [.note("the list is here", at: list.mark)])
                    continue
                }
                items[i] = merged(items[i], patch.value, diagnostics: diagnostics)
            } else if let pairs = patch.value.pairs {
                let name = Pair(key: .string("name", at: patch.key.mark), value: .string(key, at: patch.key.mark))
                items.append(Node(.mapping([name] + pairs.filter { $0.name != "name" }), at: patch.value.mark))
                names.append(key)
            } else {
                diagnostics?.error(
                    "expected a mapping to add as item '\(key)' of the list, found \(patch.value.kindAndValue)",
                    at: patch.value.mark, notes: [.note("the list is here", at: list.mark)])
            }
        }
        return Node(.sequence(items), at: list.mark)
    }
}
