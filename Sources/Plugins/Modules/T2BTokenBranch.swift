import CanopyRuntime
import CanopySpecs

/// Module plugin `t2b_token_branch`: one of T2B's one-layer peer branches for transformer
/// trunks (docs/methods.md#t2b-architecture: one token-wise MLP layer per branch, each
/// with its own token pooling), used as node `branch` with `count: K` so instance k is `branch[k]`. The map
/// x [B, C, H, W] is read as H*W tokens of C channels; `ln` LayerNorm, `proj` Linear
/// C -> `width`, GELU, then the pooling `poolings[k]` over the tokens: `mean`, `max`, or
/// `attention` (a single learned query `pool.query`, keys and values the tokens) =
/// `feature` h_k; `fc` Linear = `logits` z_k. Input `deep` (the trunk's last stage) only
/// sets the default width.
public struct T2BTokenBranch: ModulePlugin {
    public struct Params: PluginParams {
        @Param("token pooling of branch k = poolings[k]; one per branch", type: "list of mean | max | attention")
        public var poolings = ["mean", "max", "attention"]
        @Param("output width of the token-wise Linear (feature dimension D)", .between(1, 65536), shownDefault: "channels of input deep")
        public var width: Int? = nil
        public init() {}
    }

    /// How a branch pools its tokens into one feature vector.
    public enum Pooling: String, CaseIterable, Sendable { case mean, max, attention }

    public static let name = "t2b_token_branch"
    public static let summary =
        "T2B one-layer token branch: tokens -> LayerNorm -> Linear -> GELU -> mean/max/attention pool (feature) -> fc (logits)"
    public static let inputNames = ["x", "deep"]
    public static let outputNames = ["feature", "logits"]

    public let params: Params
    let poolings: [Pooling]

    public init(params: Params) throws(ParamError) {
        var poolings: [Pooling] = []
        for (i, name) in params.poolings.enumerated() {
            guard let pooling = Pooling(rawValue: name) else {
                throw ParamError(path: ["poolings", String(i)], "unknown pooling '\(name)' (mean, max or attention)")
            }
            poolings.append(pooling)
        }
        guard !poolings.isEmpty else { throw ParamError(path: ["poolings"], "expected at least one pooling, found []") }
        self.params = params
        self.poolings = poolings
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let x = inputs[0][0], deep = inputs[1][0]
        guard index < poolings.count else {
            b.error("\(prefix)pool: branch \(index) has no pooling (poolings lists \(poolings.count): \(params.poolings))")
            return [:]
        }
        let shape = b.isPoisoned(x) ? Shape([1, 1, 1, 1]) : b.spec(x).shape
        guard shape.rank == 4 else {
            b.error("\(prefix)tokens: x must be a [B, C, H, W] map, found \(shape)")
            return [:]
        }
        let width = params.width ?? (b.isPoisoned(deep) || b.spec(deep).shape.rank < 2 ? 1 : b.spec(deep).shape[1])
        let channelsLast = b.permute("\(prefix)to_tokens", x, [0, 2, 3, 1])
        let tokens = b.reshape("\(prefix)tokens", channelsLast, [shape[0], shape[2] * shape[3], shape[1]])
        let normed = b.layerNorm("\(prefix)ln", tokens)
        let h = b.unary(
            "gelu", "\(prefix)gelu", b.linear("\(prefix)proj", normed, out: width, weightInit: .truncatedNormal(std: 0.02), biasInit: .zeros))
        let feature: ValueID
        switch poolings[index] {
        case .mean: feature = b.unary("mean", "\(prefix)pool", h, params: .object([("axes", .array([.int(1)]))]))
        case .max: feature = b.unary("max", "\(prefix)pool", h, params: .object([("axis", .int(1))]))
        case .attention:
            let query = b.parameter("\(prefix)pool.query", [width], .truncatedNormal(std: 0.02))
            feature = b.apply("attention_pool", name: "\(prefix)pool", inputs: [h, query])[0]
        }
        return ["feature": feature, "logits": b.linear("\(prefix)fc", feature, out: classes)]
    }
}
