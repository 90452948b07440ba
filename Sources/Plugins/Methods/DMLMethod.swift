import CanopyRuntime
import CanopySpecs

/// Method plugin `dml`: deep mutual learning (Zhang et al. 2018): K whole networks
/// (branches forked at `input`), each trained with CE(z_k) + (1/(K-1)) sum_(l != k)
/// KL_T(sg[z_l] -> z_k). Terms: `ce_nets[k]` and one `kl_nets[k].peer[l]` per ordered pair,
/// weighted 1/(K-1). `detach: false` lets the targets carry gradient (the OKDDip code's variant).
public struct DMLMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("number of networks K", .between(2, 16))
        public var branches = 2
        @Param("softmax temperature T of the KL terms", .greaterThan(0))
        public var temperature = 1.0
        @Param("stop the gradient through each KL's target (false: OKDDip-repo variant)")
        public var detach = true
        public init() {}
    }

    public static let name = "dml"
    public static let summary = "deep mutual learning: K independent networks, each with CE + mean KL_T toward its peers"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let k = params.branches
        var losses: [SpecSections] = [.loss("ce_nets", "cross_entropy", [("logits", "branch[*].logits"), ("target", "target")], foreach: true)]
        for s in 0..<k {
            for t in 0..<k where t != s {
                losses.append(
                    .loss(
                        "kl_nets[\(s)].peer[\(t)]", "kd_kl", [("student", "branch[\(s)].logits"), ("teacher", "branch[\(t)].logits")],
                        params: [("temperature", .number(params.temperature))], detach: params.detach ? ["teacher"] : [],
                        weight: .number(1 / Double(k - 1))))
            }
        }
        return SpecSections.map([
            ("model", .map([("branches", .map([("count", .int(k)), ("from", .text("input"))]))])),
            ("losses", .list(losses)),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
