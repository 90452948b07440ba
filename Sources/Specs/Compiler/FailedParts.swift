/// The parts of a model that failed to build, as the value names they would have
/// produced: the taps of a trunk whose emission reported an error, every `trunk.` name
/// of a backbone that could not be made, the outputs of a node whose plugin, params or
/// inputs are wrong. Each failure is reported once at its cause; the compiler resolves
/// a reference to such a name to a poisoned placeholder instead of calling it unknown,
/// so every consumer downstream stays quiet. A name no part would ever produce (a tap
/// the backbone does not have) is not covered and is still reported.
struct FailedParts {
    /// Exact value names (the missing taps of a backbone whose taps are known).
    private var names: Set<String> = []
    /// Every value name under these prefixes (a backbone that could not be made, a failed node).
    private var prefixes: [String] = []
    /// Parameter-name prefixes of the failed parts that have parameters; "" covers every
    /// name (the trunk's parameters have no prefix).
    private var parameterPrefixes: [String] = []

    /// Whether `name` is a value some failed part would have produced.
    func contains(_ name: String) -> Bool {
        names.contains(name) || prefixes.contains { name.hasPrefix($0) }
    }

    /// Whether a parameter whose name starts with `prefix` may belong to a failed part
    /// (so a `freeze` prefix matching nothing is no mistake of its own).
    func mayOwnParameters(under prefix: String) -> Bool {
        parameterPrefixes.contains { prefix.hasPrefix($0) || $0.hasPrefix(prefix) }
    }

    /// Records the values `names` of a failed part whose parameters are under
    /// `parameterPrefix` (nil: a part without parameters).
    mutating func add(names: some Sequence<String>, parameters parameterPrefix: String?) {
        self.names.formUnion(names)
        if let parameterPrefix { parameterPrefixes.append(parameterPrefix) }
    }

    /// Records every value under `valuePrefixes` of a failed part whose parameters are
    /// under `parameterPrefix` (nil: a part without parameters).
    mutating func add(prefixes valuePrefixes: [String], parameters parameterPrefix: String?) {
        prefixes += valuePrefixes
        if let parameterPrefix { parameterPrefixes.append(parameterPrefix) }
    }
}
