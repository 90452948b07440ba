import CanopyRuntime
import CanopySpecs

/// Method plugin `one`: On-the-fly Native Ensemble (Lan et al. 2018, docs/methods.md#one).
/// M peer branches (copies of the stages after `from` and the fc), a `one_gate` node
/// `gate` (values `gate.logits` = z_e, `gate.weights` = g; parameters `gate.fc`, `gate.bn`),
/// losses `ce_branches[i]` = CE(z_i), `ce_ensemble` = CE(z_e) and `kl_branches[i]` =
/// KL_T(sg[z_e] -> z_i) with teacher_eps, weighted by the consistency ramp. Deploys branch 0.
public struct ONEMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of peer branches M", .between(2, 16))
        public var branches = 3
        @Param("branch point; the gate pools this feature map", type: "tap name")
        public var from = "stage2"
        @Param("softmax temperature T of the KL terms", .greaterThan(0))
        public var temperature = 3.0
        @Param("added to the ensemble's probabilities (official code)", .atLeast(0))
        public var teacherEps = 1e-7
        @Param("consistency-ramp length in epochs of the KL weight", .atLeast(0))
        public var ramp = 80
        public init() {}
    }

    public static let name = "one"
    public static let summary = "ONE (Lan et al. 2018): gated on-the-fly ensemble of peer branches distilled back into each branch"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let kl: [(String, SpecSections)] = [("temperature", .number(params.temperature)), ("teacher_eps", .number(params.teacherEps))]
        return SpecSections.map([
            (
                "model",
                .map([
                    ("branches", .map([("count", .int(params.branches)), ("from", .text(from))])),
                    (
                        "nodes",
                        .list([
                            .map([
                                ("name", .text("gate")), ("module", .text("one_gate")),
                                ("inputs", .map([("feature", .text("trunk.\(from)")), ("logits", .text("branch[*].logits"))])),
                            ])
                        ])
                    ),
                ])
            ),
            (
                "losses",
                .list([
                    .loss("ce_branches", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")], foreach: true),
                    .loss("ce_ensemble", "cross_entropy", [("logits", "gate.logits"), ("target", "target")]),
                    .loss(
                        "kl_branches", "kd_kl", [("student", "branch[*].logits"), ("teacher", "gate.logits")], params: kl,
                        detach: ["teacher"], weight: .ramp(params.ramp, max: 1), foreach: true),
                ])
            ),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
