import CanopyRuntime
import CanopySpecs

/// Module plugin `okddip_attention`: OKDDip's peer attention (Chen et al. 2020,
/// docs/methods.md#okddip-architecture). For the P peers given (`branch[0:P].feature`, `branch[0:P].logits`):
/// q_a = h_a W_q^T, k_a = h_a W_k^T (`query`, `key`: Linear D -> proj_dim, no bias);
/// A[b, a, j] = softmax over peers j of q_a[b] . k_j[b] (no 1/sqrt(d) scaling, as the
/// official code); t_a = sum_j A[:, a, j] z_j. Outputs `targets[a]` (t_a, [B, C]),
/// `weights` (A, [B, P, P]) and `mean_logits` (the mean of the peer logits, the leader's target).
public struct OKDDipAttention: ModulePlugin {
    public struct Params: PluginParams {
        @Param("width of the query and key projections", .atLeast(1), shownDefault: "max(D / 8, 1)")
        public var projDim: Int? = nil
        public init() {}
    }

    public static let name = "okddip_attention"
    public static let summary = "OKDDip peer attention: per-peer targets t_a = sum_j softmax_j(q_a . k_j) z_j, and the peer mean"
    public static let inputNames = ["features", "logits"]
    public static let outputNames = ["targets[0]", "targets[1]", "...", "weights", "mean_logits"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let (features, logits) = (inputs[0], inputs[1])
        let peers = features.count
        guard peers >= 2, logits.count == peers else {
            b.error("okddip_attention needs the features and logits of the same 2 or more peers, got \(peers) and \(logits.count)")
            return [:]
        }
        guard !(features + logits).contains(where: b.isPoisoned) else { return [:] }
        let (batch, width, classCount) = (b.spec(features[0]).shape[0], b.spec(features[0]).shape[-1], b.spec(logits[0]).shape[-1])
        let proj = params.projDim ?? max(width / 8, 1)
        let h = b.stack("\(prefix)features", features)
        let q = b.reshape("\(prefix)q", b.linear("\(prefix)query", h, out: proj, bias: false), [batch, 1, peers, proj])
        let k = b.reshape("\(prefix)k", b.linear("\(prefix)key", h, out: proj, bias: false), [batch, 1, peers, proj])
        let z = b.stack("\(prefix)logits", logits)
        let v = b.reshape("\(prefix)v", z, [batch, 1, peers, classCount])
        let out = b.apply("attention", name: "\(prefix)attend", params: .object([("scale", .double(1))]), inputs: [q, k, v])
        var result: [String: ValueID] = [
            "weights": b.reshape("\(prefix)weights", out[1], [batch, peers, peers]),
            "mean_logits": b.apply("mean", name: "\(prefix)mean_logits", params: .object([("axes", .array([.int(1)]))]), inputs: [z])[0],
        ]
        for a in 0..<peers {
            let slice = b.apply(
                "slice", name: "\(prefix)target\(a).slice",
                params: .object([("axis", .int(2)), ("start", .int(a)), ("length", .int(1))]), inputs: [out[0]])[0]
            result["targets[\(a)]"] = b.reshape("\(prefix)target\(a)", slice, [batch, classCount])
        }
        return result
    }
}
