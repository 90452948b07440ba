import CanopyRuntime
import CanopySpecs

/// Method plugin `t2b`: Trunk-to-Branch (Ajou thesis; the concrete formulation is
/// Canopy's own, docs/methods.md#t2b). The backbone keeps its own head (the trunk, deployed
/// alone: `deploy: trunk.logits`); a semantic permeation node concatenates the pooled
/// earlier stage(s) with the last stage (`t2b_permeation`); K one-layer peer branches
/// (node `branch` with `count: K`) read it, built in the backbone's style: `t2b_branch`
/// (depthwise + pointwise conv, BatchNorm + ReLU for ResNets, LayerNorm + GELU for
/// ConvNeXt) or, for transformer trunks (CSWin), `t2b_token_branch` (a token-wise
/// LayerNorm + Linear + GELU with a different token pooling per branch). Losses:
///
///   L = CE(z_0) + (1/K) sum_k CE(z_k) + w(e) (lambda_bw L_bw + lambda_ens L_ens) + lambda_dec L_dec
///
/// with L_bw = (1/K) sum_k KL_T(sg[z_k] -> z_0) (terms `kd_branchwise[k]`, each weighted
/// w lambda_bw / K), L_ens = KL_T(sg[mean_k z_k] -> z_0) (`kd_ensemble`), L_dec the
/// `decorrelation` of the branch features (`decorrelation`), w the consistency ramp.
/// Every ablation switch (docs/methods.md#t2b-params) is a param: permeation on/off, which stages, detached P,
/// decorrelation variant or off, branch-wise / ensemble / ensemble->branch distillation,
/// detached or mutual teachers, branch type, kernel sizes or poolings, branch count and width.
public struct T2BMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of peer branches K", .between(1, 64))
        public var branches = 3
        @Param(
            "conv: `t2b_branch` (depthwise + pointwise conv); token: `t2b_token_branch` (token-wise MLP layer); auto: token for transformer backbones (cswin), conv otherwise",
            type: "auto | conv | token")
        public var branchType = "auto"
        @Param("depthwise kernel size per branch (conv branches)", type: "list of K odd ints", shownDefault: "[3, 5, 7, ...] (3 + 2k)")
        public var kernels: [Int]? = nil
        @Param(
            "token pooling per branch (token branches)", type: "list of K of mean | max | attention",
            shownDefault: "mean, max, attention, mean, ... (cycled)")
        public var poolings: [String]? = nil
        @Param(
            "norm after the pointwise conv (conv branches); auto: the backbone's (BatchNorm for ResNets, LayerNorm for ConvNeXt)",
            type: "auto | batch | layer")
        public var norm = "auto"
        @Param("activation after the norm (conv branches); auto: the backbone's (ReLU for ResNets, GELU for ConvNeXt)", type: "auto | relu | gelu")
        public var activation = "auto"
        @Param("branch feature dimension D (pointwise conv or token Linear output)", shownDefault: "the last stage's channels")
        public var width: Int? = nil
        @Param("branches read P = concat(pooled earlier stages, last stage); false: the last stage alone")
        public var permeation = true
        @Param(
            "stages concatenated into P, shallow to deep ([stage1, stage2, stage3]: all-stage variant; [stage3, stage4] for ConvNeXt/CSWin)",
            type: "list of >= 2 backbone taps")
        public var stages = ["stage2", "stage3"]
        @Param("stop branch gradients at P (no alignment via backpropagation)")
        public var detachPermeation = false
        @Param("decorrelation loss variant (see loss `decorrelation`), or none", type: "feature | A | B | off")
        public var decorrelation = "feature"
        @Param("weight of the decorrelation loss", .atLeast(0))
        public var lambdaDec = 0.5
        @Param("L_bw: each branch distils into the trunk")
        public var branchwiseKD = true
        @Param("weight of L_bw (times the ramp)", .atLeast(0))
        public var lambdaBW = 1.0
        @Param("L_ens: the branch mean distils into the trunk")
        public var ensembleKD = true
        @Param("weight of L_ens (times the ramp)", .atLeast(0))
        public var lambdaEns = 1.0
        @Param("also (1/K) sum_k KL_T(ensemble -> branch k), ramped")
        public var ensembleToBranchKD = false
        @Param("stop-gradient on every KD teacher; false: mutual (teachers also learn from the KL)")
        public var detachTeachers = true
        @Param("KD temperature T (also variant B's softmax temperature)", .greaterThan(0))
        public var temperature = 3.0
        @Param("consistency ramp length in epochs for the KD terms (0: no ramp)", .atLeast(0))
        public var ramp = 80
        public init() {}
    }

    /// Which one-layer branch the method builds.
    public enum BranchType: String, Sendable { case auto, conv, token }

    public static let name = "t2b"
    public static let summary =
        "Trunk-to-Branch: trunk + one-layer peer branches on permeated deep features, decorrelation, branch/ensemble KD into the trunk"

    public let params: Params
    let branchType: BranchType
    /// The kernel size of each conv branch.
    public let kernels: [Int]
    /// The token pooling of each token branch.
    public let poolings: [String]
    /// The conv branches' norm and activation; nil: the backbone's.
    let norm: LayerStyle.Norm?
    let activation: LayerStyle.Activation?

    public init(params: Params) throws(ParamError) {
        guard let branchType = BranchType(rawValue: params.branchType) else {
            throw ParamError(path: ["branch_type"], "unknown branch type '\(params.branchType)' (auto, conv or token)")
        }
        let kernels = params.kernels ?? (0..<params.branches).map { 3 + 2 * $0 }
        guard kernels.count == params.branches else {
            throw ParamError(path: ["kernels"], "expected \(params.branches) kernel sizes (one per branch), found \(kernels.count)")
        }
        let cycle = T2BTokenBranch.Pooling.allCases.map(\.rawValue)
        let poolings = params.poolings ?? (0..<params.branches).map { cycle[$0 % cycle.count] }
        guard poolings.count == params.branches else {
            throw ParamError(path: ["poolings"], "expected \(params.branches) poolings (one per branch), found \(poolings.count)")
        }
        if let bad = poolings.firstIndex(where: { T2BTokenBranch.Pooling(rawValue: $0) == nil }) {
            throw ParamError(path: ["poolings", String(bad)], "unknown pooling '\(poolings[bad])' (\(cycle.joined(separator: ", ")))")
        }
        guard params.norm == "auto" || LayerStyle.Norm(rawValue: params.norm) != nil else {
            throw ParamError(path: ["norm"], "unknown norm '\(params.norm)' (auto, batch or layer)")
        }
        guard params.activation == "auto" || LayerStyle.Activation(rawValue: params.activation) != nil else {
            throw ParamError(path: ["activation"], "unknown activation '\(params.activation)' (auto, relu or gelu)")
        }
        guard params.stages.count >= 2 else { throw ParamError(path: ["stages"], "expected at least 2 stages, found \(params.stages)") }
        guard ["feature", "A", "B", "off"].contains(params.decorrelation) else {
            throw ParamError(path: ["decorrelation"], "unknown decorrelation '\(params.decorrelation)' (feature, A, B or off)")
        }
        if params.decorrelation != "off" && params.branches < 2 {
            throw ParamError(path: ["decorrelation"], "needs at least 2 branches; use 'off' with one branch")
        }
        self.params = params
        self.branchType = branchType
        self.kernels = kernels
        self.poolings = poolings
        norm = LayerStyle.Norm(rawValue: params.norm)
        activation = LayerStyle.Activation(rawValue: params.activation)
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let k = params.branches
        let ramped = { (max: Double) in params.ramp == 0 ? SpecSections.number(max) : .ramp(params.ramp, max: max) }
        let kd: [(String, SpecSections)] = [("temperature", .number(params.temperature))]
        let detach = params.detachTeachers ? ["teacher"] : []

        // Permeation: a chain of nodes, the last one named `permeation`.
        var nodes: [SpecSections] = []
        let last = "trunk.\(params.stages.last!)"
        var branchInput = last
        if params.permeation {
            var shallow = "trunk.\(params.stages[0])"
            for (i, stage) in params.stages.dropFirst().enumerated() {
                let isLast = i == params.stages.count - 2
                let name = isLast ? "permeation" : "permeation_\(i + 1)"
                var node: [(String, SpecSections)] = [("name", .text(name)), ("module", .text("t2b_permeation"))]
                if isLast && params.detachPermeation { node.append(("params", .map([("detached", .bool(true))]))) }
                node.append(("inputs", .map([("shallow", .text(shallow)), ("deep", .text("trunk.\(stage)"))])))
                nodes.append(.map(node))
                shallow = "\(name).output"
            }
            branchInput = "permeation.output"
        }
        nodes.append(
            .map([
                ("name", .text("branch")), ("module", .text(branchModule(context.backboneStyle).name)),
                ("params", .map(branchParams(context.backboneStyle))), ("count", .int(k)),
                ("inputs", .map([("x", .text(branchInput)), ("deep", .text(last))])),
            ]))
        var model: [(String, SpecSections)] = [("nodes", .list(nodes)), ("deploy", .text("trunk.logits"))]
        let ensemble = k >= 2 ? "ensemble.logits" : "branch[0].logits"
        if k >= 2 { model.append(("ensemble", .text("mean"))) }

        var losses: [SpecSections] = [
            .loss("ce_trunk", "cross_entropy", [("logits", "trunk.logits"), ("target", "target")]),
            .loss(
                "ce_branches", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")],
                weight: .number(1 / Double(k)), foreach: true),
        ]
        if params.branchwiseKD {
            losses.append(
                .loss(
                    "kd_branchwise", "kd_kl", [("student", "trunk.logits"), ("teacher", "branch[*].logits")], params: kd,
                    detach: detach, weight: ramped(params.lambdaBW / Double(k)), foreach: true))
        }
        if params.ensembleKD {
            losses.append(
                .loss(
                    "kd_ensemble", "kd_kl", [("student", "trunk.logits"), ("teacher", ensemble)], params: kd,
                    detach: detach, weight: ramped(params.lambdaEns)))
        }
        if params.ensembleToBranchKD {
            losses.append(
                .loss(
                    "kd_ensemble_branch", "kd_kl", [("student", "branch[*].logits"), ("teacher", ensemble)], params: kd,
                    detach: detach, weight: ramped(1 / Double(k)), foreach: true))
        }
        if params.decorrelation != "off" {
            let logits = params.decorrelation == "B"
            var decParams: [(String, SpecSections)] = [("variant", .text(params.decorrelation))]
            if logits { decParams.append(("temperature", .number(params.temperature))) }
            let inputs = logits ? [("branches", "branch[*].logits"), ("target", "target")] : [("branches", "branch[*].feature")]
            losses.append(.loss("decorrelation", "decorrelation", inputs, params: decParams, weight: .number(params.lambdaDec)))
        }
        return SpecSections.map([("model", .map(model)), ("losses", .list(losses))]).node(at: mark)
    }

    /// The branch module for a backbone of `style`.
    func branchModule(_ style: LayerStyle) -> any ModulePlugin.Type {
        switch branchType {
        case .conv: T2BBranch.self
        case .token: T2BTokenBranch.self
        case .auto: style.features == .tokens ? T2BTokenBranch.self : T2BBranch.self
        }
    }

    /// The branch module's params for a backbone of `style`.
    func branchParams(_ style: LayerStyle) -> [(String, SpecSections)] {
        var pairs: [(String, SpecSections)]
        if branchModule(style) == T2BTokenBranch.self {
            pairs = [("poolings", .list(poolings.map { .text($0) }))]
        } else {
            pairs = [
                ("kernels", .list(kernels.map { .int($0) })), ("norm", .text((norm ?? style.norm).rawValue)),
                ("activation", .text((activation ?? style.activation).rawValue)),
            ]
        }
        if let w = params.width { pairs.append(("width", .int(w))) }
        return pairs
    }
}
