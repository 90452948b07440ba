import CanopyRuntime
import CanopySpecs

/// Method plugin `one`: On-the-fly Native Ensemble (Lan et al. 2018, docs/methods.md#one).
/// M peer branches (copies of the stages after `from` and the fc), a `one_gate` node
/// `gate` (values `gate.logits` = z_e, `gate.weights` = g; parameters `gate.fc`, `gate.bn`),
/// losses `ce_branches[i]` = CE(z_i), `ce_ensemble` = CE(z_e) and `kl_branches[i]` =
/// KL_T(sg[z_e] -> z_i) with teacher_eps, weighted by the consistency ramp. Deploys branch 0.
public struct ONEMethod: MethodPlugin {
    public struct Params: PluginParams {
        public var branches = 3
        public var from = "stage2"
        public var temperature = 3.0
        public var teacherEps = 1e-7
        public var ramp = 80
        public init() {}
    }

    public static let name = "one"
    public static let summary = "ONE (Lan et al. 2018): gated on-the-fly ensemble of peer branches distilled back into each branch"
    public static let parameters = [
        ParameterDoc("branches", "int in 2...16", default: "3", "number of peer branches M"),
        ParameterDoc("from", "tap name", default: "stage2", "branch point; the gate pools this feature map"),
        ParameterDoc("temperature", "number > 0", default: "3", "softmax temperature T of the KL terms"),
        ParameterDoc("teacher_eps", "number >= 0", default: "1e-7", "added to the ensemble's probabilities (official code)"),
        ParameterDoc("ramp", "int >= 0", default: "80", "consistency-ramp length in epochs of the KL weight"),
    ]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard (2...16).contains(params.branches) else { throw ParamError(path: ["branches"], "must be in 2...16, found \(params.branches)") }
        guard params.temperature > 0 else { throw ParamError(path: ["temperature"], "must be greater than 0, found \(params.temperature)") }
        guard params.teacherEps >= 0 else { throw ParamError(path: ["teacher_eps"], "must be at least 0, found \(params.teacherEps)") }
        guard params.ramp >= 0 else { throw ParamError(path: ["ramp"], "must be at least 0, found \(params.ramp)") }
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let kl: [(String, SpecSections)] = [("temperature", .number(params.temperature)), ("teacher_eps", .number(params.teacherEps))]
        return SpecSections.map([
            ("model", .map([
                ("branches", .map([("count", .int(params.branches)), ("from", .text(from))])),
                ("nodes", .list([.map([("name", .text("gate")), ("module", .text("one_gate")),
                                       ("inputs", .map([("feature", .text("trunk.\(from)")), ("logits", .text("branch[*].logits"))]))])])),
            ])),
            ("losses", .list([
                .loss("ce_branches", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")], foreach: true),
                .loss("ce_ensemble", "cross_entropy", [("logits", "gate.logits"), ("target", "target")]),
                .loss("kl_branches", "kd_kl", [("student", "branch[*].logits"), ("teacher", "gate.logits")], params: kl,
                      detach: ["teacher"], weight: .ramp(params.ramp, max: 1), foreach: true),
            ])),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
