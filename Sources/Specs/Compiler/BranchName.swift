/// How peer branch k is named, in one place: its values are `branch[k].<tap>` in a spec,
/// its head `branch[k]` in metrics, and its parameters `branch.k.<name>` in a state_dict
/// (PyTorch's module-list path).
public enum BranchName {
    private static let valuePrefix = "branch["

    /// Branch k's head name, `branch[k]`.
    public static func head(_ k: Int) -> String { "\(valuePrefix)\(k)]" }

    /// The prefix of branch k's values, `branch[k].`.
    public static func values(_ k: Int) -> String { head(k) + "." }

    /// Branch k's value `tap`, `branch[k].tap`.
    public static func value(_ k: Int, _ tap: String) -> String { values(k) + tap }

    /// The prefix of branch k's parameters, `branch.k.`.
    public static func parameters(_ k: Int) -> String { "branch.\(k)." }

    /// The state_dict name of the parameter a spec reference names: branch k's
    /// `branch[k].fc.weight` is `branch.k.fc.weight`, the trunk's `trunk.conv1.weight` is
    /// `conv1.weight`, and any other reference (a node's `gate.fc.weight`) is the name itself.
    public static func parameterName(of reference: String) -> String {
        if let k = index(in: reference), let dot = reference.firstIndex(of: "]").map({ reference.index(after: $0) }),
            dot < reference.endIndex, reference[dot] == "."
        {
            return parameters(k) + reference[reference.index(after: dot)...]
        }
        return reference.hasPrefix("trunk.") ? String(reference.dropFirst(6)) : reference
    }

    /// The spec reference of the parameter `name` (the inverse of `parameterName(of:)`,
    /// trunk parameters written with `trunk.`): `branch.1.fc.weight` -> `branch[1].fc.weight`.
    public static func reference(ofParameter name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 2)
        if parts.count == 3, parts[0] == "branch", let k = Int(parts[1]) { return value(k, String(parts[2])) }
        return name
    }

    /// k in a reference to a branch's value (`branch[k].logits`), or nil for another value.
    public static func index(in reference: String) -> Int? {
        guard reference.hasPrefix(valuePrefix), let close = reference.firstIndex(of: "]") else { return nil }
        return Int(reference[reference.index(reference.startIndex, offsetBy: valuePrefix.count)..<close])
    }
}
