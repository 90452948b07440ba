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
        public var branches = 3
        public var from = "stage2"
        public var temperature = 3.0
        public var teacherEps = 1e-7
        public var alpha = 1.0
        public var ramp = 80
        public var projDim: Int?
        public init() {}
    }

    public static let name = "okddip"
    public static let summary = "OKDDip (Chen et al. 2020): peers distilled from attention-weighted peer ensembles, a leader from their mean"
    public static let parameters = [
        ParameterDoc("branches", "int in 2...15", default: "3", "number of peers P (the leader is one more branch)"),
        ParameterDoc("from", "tap name", default: "stage2", "branch point"),
        ParameterDoc("temperature", "number > 0", default: "3", "softmax temperature T of the KL terms"),
        ParameterDoc("teacher_eps", "number >= 0", default: "1e-7", "added to the target probabilities (official code)"),
        ParameterDoc("alpha", "number >= 0", default: "1", "weight of the KL terms (times the ramp)"),
        ParameterDoc("ramp", "int >= 0", default: "80", "consistency-ramp length in epochs"),
        ParameterDoc("proj_dim", "int >= 1", default: "feature width / 8", "width of the attention's query and key projections"),
    ]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard (2...15).contains(params.branches) else { throw ParamError(path: ["branches"], "must be in 2...15, found \(params.branches)") }
        guard params.temperature > 0 else { throw ParamError(path: ["temperature"], "must be greater than 0, found \(params.temperature)") }
        guard params.teacherEps >= 0 else { throw ParamError(path: ["teacher_eps"], "must be at least 0, found \(params.teacherEps)") }
        guard params.alpha >= 0 else { throw ParamError(path: ["alpha"], "must be at least 0, found \(params.alpha)") }
        guard params.ramp >= 0 else { throw ParamError(path: ["ramp"], "must be at least 0, found \(params.ramp)") }
        if let d = params.projDim, d < 1 { throw ParamError(path: ["proj_dim"], "must be at least 1, found \(d)") }
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
            .loss("kl_peers[\($0)]", "kd_kl", [("student", "branch[\($0)].logits"), ("teacher", "attention.targets[\($0)]")],
                  params: kl, weight: weight)
        }
        losses.append(.loss("kl_leader", "kd_kl", [("student", "branch[\(p)].logits"), ("teacher", "attention.mean_logits")],
                            params: kl, weight: weight))
        return SpecSections.map([
            ("model", .map([
                ("branches", .map([("count", .int(p + 1)), ("from", .text(from))])),
                ("nodes", .list([.map(node)])),
                ("deploy", .text("branch[\(p)].logits")),
            ])),
            ("losses", .list(losses)),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
