extension Node {
    /// `over` laid onto `base`, as `extends:` combines a spec with its base: mappings
    /// merge key by key, recursively, with `over` winning and new keys appended in
    /// `over`'s order; a list, scalar or null in `over` replaces whatever `base` has.
    /// Every node keeps the mark of the file it came from; a merged mapping takes
    /// `over`'s mark.
    public static func merged(_ base: Node, _ over: Node) -> Node {
        guard let basePairs = base.pairs, let overPairs = over.pairs else { return over }
        var pairs = basePairs
        var index: [String: Int] = [:]
        for (i, pair) in pairs.enumerated() where index[pair.name] == nil { index[pair.name] = i }
        for pair in overPairs {
            if let i = index[pair.name] {
                pairs[i] = Pair(key: pair.key, value: merged(pairs[i].value, pair.value))
            } else {
                index[pair.name] = pairs.count
                pairs.append(pair)
            }
        }
        return Node(.mapping(pairs), at: over.mark)
    }
}
