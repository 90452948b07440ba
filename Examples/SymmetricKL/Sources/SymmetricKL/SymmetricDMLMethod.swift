import CanopyRuntime
import CanopySpecs

/// Method `sym_dml`: deep mutual learning with this package's symmetric KL. K whole
/// networks (branches forked at the input) each trained with CE, one `sym_kl` term per
/// pair (both directions carry gradient, so no detach), and a `learned_mix` ensemble
/// trained with its own CE; the ensemble is evaluated as `mix`, branch 0 is deployed.
public struct SymmetricDMLMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of networks K", .between(2, 8)) public var branches = 2
        @Param("softmax temperature T of the pair terms", .greaterThan(0)) public var temperature = 3.0
        @Param("weight of each pair term", .atLeast(0)) public var pairWeight = 1.0
        public init() {}
    }
    public static let name = "sym_dml"
    public static let summary = "K networks: CE each + sym_kl per pair + CE of a learned-mix ensemble"
    public let params: Params
    public init(params: Params) { self.params = params }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let k = params.branches
        var losses: [SpecSections] = [
            .loss("ce_nets", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")], foreach: true),
            .loss("ce_mix", "cross_entropy", [("logits", "mix.logits"), ("target", "target")]),
        ]
        for s in 0..<k {
            for t in (s + 1)..<k {
                losses.append(
                    .loss(
                        "sym[\(s)_\(t)]", "sym_kl", [("student", "branch[\(s)].logits"), ("teacher", "branch[\(t)].logits")],
                        params: [("temperature", .number(params.temperature))], weight: .number(params.pairWeight)))
            }
        }
        let mix = SpecSections.map([
            ("name", .text("mix")), ("module", .text("learned_mix")),
            ("inputs", .map([("logits", .text("branch[*].logits"))])),
        ])
        return SpecSections.map([
            ("model", .map([("branches", .map([("count", .int(k)), ("from", .text("input"))])), ("nodes", .list([mix]))])),
            ("losses", .list(losses)),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
