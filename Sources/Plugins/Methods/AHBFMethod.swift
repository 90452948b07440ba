import CanopyRuntime
import CanopySpecs

/// Method plugin `ahbf`: AHBF-OKD, online knowledge distillation by adaptive
/// hierarchy-branch fusion (Gong et al. 2023, docs/methods.md#ahbf). M branches after `from`, branch
/// i a copy of the later stages whose last stage has i·`aux` extra blocks
/// (`model.branches.deepen`); an `ahbf_fusion` node `fusion` building the teacher
/// assistants e_j = `fusion.logits[j]`, j = 1 .. M-1; losses `ce_branches[i]` = CE(z_i),
/// `ce_tas[j-1]` = CE(e_j), `dkd[j-1]` = KL_T(z_j -> z_0 or e_(j-1)) weighted kd_scale ·
/// lambda2, `ekd_branch[j-1]` = KL_T(e_j -> z_j) and `ekd_prev[j-1]` = KL_T(e_j -> z_0 or
/// e_(j-1)) weighted kd_scale · lambda1, every KL term times the consistency ramp, with
/// teacher_eps and nothing detached. Deploys branch 0, the plain backbone.
public struct AHBFMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of branches M", .between(2, 16))
        public var branches = 4
        @Param("extra blocks per branch index: branch i's last stage has base + i·aux blocks", .between(0, 50))
        public var aux = 4
        @Param("branch point", type: "tap name")
        public var from = "stage2"
        @Param(
            "the branch feature map the fusion modules read: the last stage's output before pooling (stage3 of resnet_cifar, stage4 of resnet)",
            type: "tap name")
        public var features = "stage3"
        @Param("softmax temperature T of the KL terms", .greaterThan(0))
        public var temperature = 3.0
        @Param("added to the teachers' probabilities (official code)", .atLeast(0))
        public var teacherEps = 1e-7
        @Param("weight of the EKD terms (README command 2; the paper summary's 4)", .atLeast(0))
        public var lambda1 = 2.0
        @Param("weight of the DKD terms (README command 4; the paper summary's 2)", .atLeast(0))
        public var lambda2 = 4.0
        @Param("kappa, the scale of every KL term (1 in the coherent first-upload code)", .atLeast(0))
        public var kdScale = 1.0
        @Param("consistency-ramp length in epochs of the KL weights (300, the whole run, in the first-upload code; 240 at HEAD)", .atLeast(0))
        public var ramp = 300
        public init() {}
    }

    public static let name = "ahbf"
    public static let summary =
        "AHBF-OKD (Gong et al. 2023): branches of growing depth, recursive fusion into teacher assistants, DKD and EKD distillation"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let m = params.branches
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let features = params.features.hasPrefix("branch[*].") ? String(params.features.dropFirst(10)) : params.features
        let kl: [(String, SpecSections)] = [("temperature", .number(params.temperature)), ("teacher_eps", .number(params.teacherEps))]
        let dkdWeight = SpecSections.ramp(params.ramp, max: params.kdScale * params.lambda2)
        let ekdWeight = SpecSections.ramp(params.ramp, max: params.kdScale * params.lambda1)
        // e_j, and what module j fuses with branch j: z_0 for the first, e_(j-1) after it.
        func assistant(_ j: Int) -> String { "fusion.logits[\(j)]" }
        func previous(_ j: Int) -> String { j == 1 ? "branch[0].logits" : assistant(j - 1) }
        var losses: [SpecSections] = [
            .loss("ce_branches", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")], foreach: true)
        ]
        losses += (1..<m).map { .loss("ce_tas[\($0 - 1)]", "cross_entropy", [("logits", assistant($0)), ("target", "target")]) }
        losses += (1..<m).map {
            .loss(
                "dkd[\($0 - 1)]", "kd_kl", [("student", previous($0)), ("teacher", "branch[\($0)].logits")], params: kl,
                weight: dkdWeight)
        }
        losses += (1..<m).map {
            .loss(
                "ekd_branch[\($0 - 1)]", "kd_kl", [("student", "branch[\($0)].logits"), ("teacher", assistant($0))], params: kl,
                weight: ekdWeight)
        }
        losses += (1..<m).map {
            .loss("ekd_prev[\($0 - 1)]", "kd_kl", [("student", previous($0)), ("teacher", assistant($0))], params: kl, weight: ekdWeight)
        }
        return SpecSections.map([
            (
                "model",
                .map([
                    ("branches", .map([("count", .int(m)), ("from", .text(from)), ("deepen", .int(params.aux))])),
                    (
                        "nodes",
                        .list([
                            .map([
                                ("name", .text("fusion")), ("module", .text("ahbf_fusion")),
                                (
                                    "inputs",
                                    .map([
                                        ("features", .text("branch[*].\(features)")),
                                        ("logits", .text("branch[*].logits")),
                                    ])
                                ),
                            ])
                        ])
                    ),
                ])
            ),
            ("losses", .list(losses)),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
