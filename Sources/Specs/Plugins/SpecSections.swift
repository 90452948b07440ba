/// A spec fragment as a method plugin writes it: the sections its `expand` returns, with
/// the keys a researcher would write by hand. `node(at:)` turns it into a `Node` tree
/// whose every node carries the `method:` entry's mark, so a problem in the expansion
/// points at the method.
///
///     SpecSections.map([
///         ("losses", .list([.loss("ce", "cross_entropy", [("logits", "trunk.logits"), ("target", "target")])])),
///         ("eval", SpecSections.topOneAndFive),
///     ]).node(at: mark)
public indirect enum SpecSections: Sendable {
    /// A mapping, keys in order.
    case map([(String, SpecSections)])
    /// A sequence.
    case list([SpecSections])
    /// An integer scalar.
    case int(Int)
    /// A number, written with a decimal point so it reads back as a float.
    case number(Double)
    /// A boolean.
    case bool(Bool)
    /// A string (a name, a value reference such as `branch[*].logits`).
    case text(String)

    /// The fragment as a node tree, every node marked `mark`.
    public func node(at mark: SourceMark) -> Node {
        switch self {
        case let .map(pairs):
            return .mapping(pairs.map { Node.Pair(key: .string($0.0, at: mark), value: $0.1.node(at: mark)) }, at: mark)
        case let .list(items): return .sequence(items.map { $0.node(at: mark) }, at: mark)
        case let .int(i): return .plain(String(i), at: mark)
        case let .number(d): return .plain(d.rounded() == d && abs(d) < 1e15 ? "\(Int(d)).0" : "\(d)", at: mark)
        case let .bool(b): return .plain(b ? "true" : "false", at: mark)
        case let .text(t): return .string(t, at: mark)
        }
    }

    /// `eval.metrics` asking for top-1 and top-5 accuracy.
    public static let topOneAndFive = SpecSections.map([("metrics", .list([.map([("name", .text("top_k")), ("k", .list([.int(1), .int(5)]))])]))])

    /// A loss entry: `name`, `plugin`, its `inputs` (input name, value reference), and
    /// optionally `params`, `detach` (input names), `weight` (a number or a ramp) and
    /// `foreach: branch`.
    public static func loss(
        _ name: String, _ plugin: String, _ inputs: [(String, String)], params: [(String, SpecSections)] = [],
        detach: [String] = [], weight: SpecSections? = nil, foreach: Bool = false, skipFirstStep: Bool = false
    ) -> SpecSections {
        var pairs: [(String, SpecSections)] = [("name", .text(name)), ("plugin", .text(plugin))]
        if foreach { pairs.append(("foreach", .text("branch"))) }
        if !params.isEmpty { pairs.append(("params", .map(params))) }
        pairs.append(("inputs", .map(inputs.map { ($0.0, .text($0.1)) })))
        if !detach.isEmpty { pairs.append(("detach", .list(detach.map { .text($0) }))) }
        if let weight { pairs.append(("weight", weight)) }
        if skipFirstStep { pairs.append(("skip_first_step", .bool(true))) }
        return .map(pairs)
    }

    /// The consistency ramp `{ramp: epochs, max: max}`.
    public static func ramp(_ epochs: Int, max: Double) -> SpecSections { .map([("ramp", .int(epochs)), ("max", .number(max))]) }
}
