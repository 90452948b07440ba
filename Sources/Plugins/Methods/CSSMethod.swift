import CanopyRuntime
import CanopySpecs

/// Method plugin `css`: Channel Self-Supervision (Fan et al. 2022, docs/methods.md#css).
/// Two whole networks `net_t` and `net_s` (`model.networks`, each its own backbone), each
/// with n branches forked at `from`; branch i reads the fork times the spatial mask of
/// corner i (`spatial_mask`: top-left, bottom-right, bottom-left, top-right) and predicts
/// n * C augmented classes. Losses `loss_t` and `loss_s` (`css_network`): each network's
/// mean augmented-label CE plus its CE ratio times T^2 times the mean KL toward the other
/// network's same-index branch. Nodes `aggregate_t`, `aggregate_s` (`augmented_aggregate`)
/// and `dual` (`logit_average`) are the evaluation heads; `aggregate_t` is deployed, or with
/// `deploy: branch` the node `slice_t`, branch `deploy_branch`'s own vote.
public struct CSSMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("branches n per network (one mask corner each)", .between(2, 4))
        public var branches = 3
        @Param("branch point of both networks", type: "tap name")
        public var from = "stage2"
        @Param("softmax temperature T of the cross-network KL", .greaterThan(0))
        public var temperature = 3.0
        @Param("stop the gradient through the KL targets and the CE-ratio weights (false: the official code)")
        public var detach = false
        @Param("the masked square's side is H / mask_divisor (official: 4)", .between(1, 64))
        public var maskDivisor = 4
        @Param(
            "deployed model: aggregate = net_t's n-branch aggregate (the official report); branch = net_t's branch deploy_branch alone, its slice z_i[c n + i]"
        )
        public var deploy = Deployed.aggregate
        @Param("the branch deployed with deploy: branch", .atLeast(0))
        public var deployBranch = 0
        public init() {}
    }

    public static let name = "css"
    public static let summary =
        "CSS (Fan et al. 2022): two networks, corner-masked branches over augmented labels, CE-ratio-weighted cross-network KD"

    /// The two networks' names (parameter prefixes `net_t.`, `net_s.`).
    public static let networks = ["net_t", "net_s"]
    /// Branch i's mask corner.
    public static let corners: [SpatialMask.Corner] = [.topLeft, .bottomRight, .bottomLeft, .topRight]

    /// What `canopy export` and `test.deploy.*` use.
    public enum Deployed: String, ParamChoice {
        case aggregate
        case branch
    }

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard params.deployBranch < params.branches else {
            throw ParamError(path: ["deploy_branch"], "deploy_branch \(params.deployBranch) is not one of the \(params.branches) branches")
        }
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let n = params.branches
        let branches = SpecSections.map([
            ("count", .int(n)), ("from", .text(from)), ("classes_factor", .int(n)),
            (
                "transform",
                .map([
                    ("kernel", .text(SpatialMask.name)),
                    (
                        "params",
                        .list(
                            Self.corners.prefix(n).map {
                                .map([("corner", .text($0.rawValue)), ("divisor", .int(params.maskDivisor))])
                            })
                    ),
                ])
            ),
        ])
        let (t, s) = (Self.networks[0], Self.networks[1])
        func lossEntry(_ net: String, _ peer: String) -> SpecSections {
            .loss(
                "loss_\(net.dropFirst(4))", CSSNetworkLoss.name,
                [("logits", "\(net).branch[*].logits"), ("peer", "\(peer).branch[*].logits"), ("target", "target")],
                params: [("temperature", .number(params.temperature)), ("detach", .bool(params.detach))])
        }
        func aggregate(_ net: String) -> SpecSections {
            .map([
                ("name", .text("aggregate_\(net.dropFirst(4))")), ("module", .text(AugmentedAggregate.name)),
                ("inputs", .map([("logits", .text("\(net).branch[*].logits"))])),
            ])
        }
        // Branch k's own vote z_k[c n + k], the single-branch deployment.
        func slice(_ net: String, _ k: Int) -> SpecSections {
            .map([
                ("name", .text("slice_\(net.dropFirst(4))")), ("module", .text(AugmentedAggregate.name)),
                ("params", .map([("factor", .int(n)), ("first", .int(k))])),
                ("inputs", .map([("logits", .text("\(net).branch[\(k):\(k + 1)].logits"))])),
            ])
        }
        return SpecSections.map([
            (
                "model",
                .map([
                    ("networks", .map(Self.networks.map { ($0, .map([("branches", branches)])) })),
                    (
                        "nodes",
                        .list(
                            [
                                aggregate(t), aggregate(s),
                                .map([
                                    ("name", .text("dual")), ("module", .text(LogitAverage.name)),
                                    ("inputs", .map([("a", .text("aggregate_t.logits")), ("b", .text("aggregate_s.logits"))])),
                                ]),
                            ] + (params.deploy == .branch ? [slice(t, params.deployBranch)] : []))
                    ),
                    ("deploy", .text(params.deploy == .branch ? "slice_t.logits" : "aggregate_t.logits")),
                ])
            ),
            ("losses", .list([lossEntry(t, s), lossEntry(s, t)])),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
