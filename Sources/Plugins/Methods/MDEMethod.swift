import CanopyRuntime
import CanopySpecs

/// Method plugin `mde`: Multi-branch Diversity Enhancement (Li et al., ACCV 2020; no
/// official code, formulation reconstructed in docs/methods.md#mde). ONE-style peer
/// branches (copies of the stages after `from` and the fc); an `mde_ffm` node `ffm` fusing
/// the branches' last-block maps `branch[*].<features>` into the gate (values `ffm.logits`
/// = z_e, `ffm.weights` = g); losses `ce_branches[i]` = CE(z_i), `ce_ensemble` = CE(z_e),
/// `kl_branches[i]` = KL_T(sg[z_e] -> z_i) (no eps) weighted by the consistency ramp, and
/// `cd` = the classifier-diversification term over `branch[*].fc.weight`, weighted
/// `lambda_cd`. Deploys branch 0, the plain backbone.
public struct MDEMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of peer branches M", .between(2, 16))
        public var branches = 3
        @Param("branch point", type: "tap name")
        public var from = "stage2"
        @Param(
            "the branch feature map the FFM fuses: the last block's output before pooling (stage3 of resnet_cifar, stage4 of resnet)",
            type: "tap name")
        public var features = "stage3"
        @Param("softmax temperature T of the KL terms", .greaterThan(0))
        public var temperature = 3.0
        @Param("consistency-ramp length in epochs of the KL weight", .atLeast(0))
        public var ramp = 80
        @Param(
            "classifier diversification form (see loss `classifier_diversity`): literal = the paper's un-normalised sum, scale_free = row-normalised mean over pairs"
        )
        public var cd = ClassifierDiversityLoss.Form.literal
        @Param("weight of the CD term", .atLeast(0), shownDefault: "5e-8 (literal), 0.5 (scale_free)")
        public var lambdaCd: Double? = nil
        public init() {}
    }

    public static let name = "mde"
    public static let summary =
        "MDE (Li et al. 2020): ONE-style branches, feature-fusion gated ensemble distilled into each branch, classifier diversification"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    /// lambda_CD: given, or the default of the form (5e-8 literal, the value both public
    /// adaptations use; 0.5 scale_free).
    public var lambdaCD: Double { params.lambdaCd ?? (params.cd == .literal ? 5e-8 : 0.5) }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let features = params.features.hasPrefix("branch[*].") ? String(params.features.dropFirst(10)) : params.features
        let kl: [(String, SpecSections)] = [("temperature", .number(params.temperature))]
        return SpecSections.map([
            (
                "model",
                .map([
                    ("branches", .map([("count", .int(params.branches)), ("from", .text(from))])),
                    (
                        "nodes",
                        .list([
                            .map([
                                ("name", .text("ffm")), ("module", .text("mde_ffm")),
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
            (
                "losses",
                .list([
                    .loss("ce_branches", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")], foreach: true),
                    .loss("ce_ensemble", "cross_entropy", [("logits", "ffm.logits"), ("target", "target")]),
                    .loss(
                        "kl_branches", "kd_kl", [("student", "branch[*].logits"), ("teacher", "ffm.logits")], params: kl,
                        detach: ["teacher"], weight: .ramp(params.ramp, max: 1), foreach: true),
                    .loss(
                        "cd", "classifier_diversity", [("weights", "branch[*].fc.weight")],
                        params: [("form", .text(params.cd.rawValue))], weight: .number(lambdaCD)),
                ])
            ),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
