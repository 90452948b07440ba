import CanopyRuntime
import CanopySpecs

/// Method plugin `okddip`: online knowledge distillation with diverse peers (Chen et al.
/// 2020, docs/methods.md#okddip). P peer branches plus a group leader (branch P), an
/// `okddip_attention` node `attention` (parameters `attention.query`, `attention.key`);
/// losses `ce_peers[a]`, `ce_leader`, `kl_peers[a]` = KL_T(t_a -> z_a) and `kl_leader` =
/// KL_T(mean peer logits -> z_L), the KL terms weighted alpha x the consistency ramp;
/// nothing detached (official code). Deploys the leader.
public struct OKDDipMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of peers P (the leader is one more branch)", .between(2, 15))
        public var branches = 3
        @Param("branch point", type: "tap name")
        public var from = "stage2"
        @Param("softmax temperature T of the KL terms", .greaterThan(0))
        public var temperature = 3.0
        @Param("added to the target probabilities (official code)", .atLeast(0))
        public var teacherEps = 1e-7
        @Param("weight of the KL terms (times the ramp)", .atLeast(0))
        public var alpha = 1.0
        @Param("consistency-ramp length in epochs", .atLeast(0))
        public var ramp = 80
        @Param("width of the attention's query and key projections", .atLeast(1), shownDefault: "feature width / 8")
        public var projDim: Int? = nil
        public init() {}
    }

    public static let name = "okddip"
    public static let summary = "OKDDip (Chen et al. 2020): peers distilled from attention-weighted peer ensembles, a leader from their mean"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let p = params.branches
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let kl: [(String, SpecSections)] = [("temperature", .number(params.temperature)), ("teacher_eps", .number(params.teacherEps))]
        let weight = SpecSections.ramp(params.ramp, max: params.alpha)
        var node: [(String, SpecSections)] = [("name", .text("attention")), ("module", .text("okddip_attention"))]
        if let d = params.projDim { node.append(("params", .map([("proj_dim", .int(d))]))) }
        node.append(("inputs", .map([("features", .text("branch[0:\(p)].feature")), ("logits", .text("branch[0:\(p)].logits"))])))
        var losses: [SpecSections] = (0..<p).map {
            .loss("ce_peers[\($0)]", "cross_entropy", [("logits", "branch[\($0)].logits"), ("target", "target")])
        }
        losses.append(.loss("ce_leader", "cross_entropy", [("logits", "branch[\(p)].logits"), ("target", "target")]))
        losses += (0..<p).map {
            .loss(
                "kl_peers[\($0)]", "kd_kl", [("student", "branch[\($0)].logits"), ("teacher", "attention.targets[\($0)]")],
                params: kl, weight: weight)
        }
        losses.append(
            .loss(
                "kl_leader", "kd_kl", [("student", "branch[\(p)].logits"), ("teacher", "attention.mean_logits")],
                params: kl, weight: weight))
        return SpecSections.map([
            (
                "model",
                .map([
                    ("branches", .map([("count", .int(p + 1)), ("from", .text(from))])),
                    ("nodes", .list([.map(node)])),
                    ("deploy", .text("branch[\(p)].logits")),
                ])
            ),
            ("losses", .list(losses)),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
