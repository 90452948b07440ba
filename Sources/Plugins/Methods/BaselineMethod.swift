import CanopyRuntime
import CanopySpecs

/// Method plugin `baseline`: the plain backbone trained with cross-entropy on
/// `trunk.logits`; evaluates top-1 and top-5.
public struct BaselineMethod: MethodPlugin {
    public struct Params: Decodable, Sendable {}
    public static let name = "baseline"
    public static let summary = "plain backbone, cross-entropy on trunk.logits"
    public static let parameters: [ParameterDoc] = []

    public init(params: Params) throws(ParamError) {}

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        SpecSections.map([
            ("losses", .list([.loss("ce", "cross_entropy", [("logits", "trunk.logits"), ("target", "target")])])),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
