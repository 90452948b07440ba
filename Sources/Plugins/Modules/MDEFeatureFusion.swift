import CanopyRuntime
import CanopySpecs

/// Module plugin `mde_ffm`: MDE's Feature Fusion Module and gated ensemble (Li et al. 2020,
/// reconstructed; docs/methods.md#mde-architecture). From the M branches' last-block maps
/// F_i [B, D, H, W]: U = ReLU(BN2d(Conv1x1_{M D -> D}(concat_channels(F_0 .. F_{M-1})))) with
/// bias, s = GAP(U) [B, D], g = softmax(ReLU(BN1d(s W_g^T + b_g))) [B, M];
/// z_e = sum_i g[:, i] z_i. Outputs `logits` (z_e) and `weights` (g); parameters
/// `<node>.conv.*`, `<node>.bn.*`, `<node>.fc.*`, `<node>.fc_bn.*` (BatchNorms in training mode).
public struct MDEFeatureFusion: ModulePlugin {
    public struct Params: PluginParams {
        @Param("BatchNorm eps of the fusion (bn) and gate (fc_bn) norms", .greaterThan(0))
        public var bnEps: Double = 1e-5
        @Param("BatchNorm running-statistics momentum", .between(0, 1))
        public var bnMomentum: Double = 0.1
        public init() {}
    }

    public static let name = "mde_ffm"
    public static let summary =
        "MDE feature fusion: softmax(ReLU(BN(fc(GAP(ReLU(BN(conv1x1(concat of branch maps)))))))) over branches, ensemble = gate-weighted sum of branch logits"
    public static let inputNames = ["features", "logits"]
    public static let outputNames = ["logits", "weights"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let features = inputs[0], logits = inputs[1]
        guard logits.count >= 2, features.count == logits.count else {
            b.error(
                "mde_ffm needs the feature maps and logits of the same M >= 2 branches, got \(features.count) feature maps and \(logits.count) logits"
            )
            return [:]
        }
        guard !features.contains(where: b.isPoisoned) else {
            let failed = b.poisonedValue("\(prefix)logits")
            return ["logits": failed, "weights": b.poisonedValue("\(prefix)weights")]
        }
        let shape = b.spec(features[0]).shape
        guard shape.rank == 4, features.allSatisfy({ b.spec($0).shape == shape }) else {
            b.error("mde_ffm fuses branch feature maps [B, D, H, W] of one shape, got \(features.map { b.spec($0).shape })")
            return [:]
        }
        let channels = shape[1]
        let params = ParamValue.object([("axis", .int(1))])
        let joined = b.apply("concat", name: "\(prefix)concat", params: params, inputs: features)[0]
        let conv = b.conv2d("\(prefix)conv", joined, out: channels, kernel: 1, bias: true)
        let bn = b.batchNorm("\(prefix)bn", conv, eps: self.params.bnEps, momentum: self.params.bnMomentum)
        let fused = b.unary("relu", "\(prefix)fused", bn)
        let pooled = b.unary("global_avgpool", "\(prefix)avgpool", fused)
        let fc = b.linear("\(prefix)fc", pooled, out: logits.count)
        let fcBN = b.batchNorm("\(prefix)fc_bn", fc, eps: self.params.bnEps, momentum: self.params.bnMomentum)
        let weights = b.unary("softmax", "\(prefix)weights", b.unary("relu", "\(prefix)relu", fcBN))
        let stacked = b.stack("\(prefix)stack", logits)
        let ensemble = b.apply("weighted_sum", name: "\(prefix)logits", inputs: [weights, stacked])[0]
        return ["logits": ensemble, "weights": weights]
    }
}
