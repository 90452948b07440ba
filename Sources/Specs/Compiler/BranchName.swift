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

    /// k in a reference to a branch's value (`branch[k].logits`), or nil for another value.
    public static func index(in reference: String) -> Int? {
        guard reference.hasPrefix(valuePrefix), let close = reference.firstIndex(of: "]") else { return nil }
        return Int(reference[reference.index(reference.startIndex, offsetBy: valuePrefix.count)..<close])
    }
}
