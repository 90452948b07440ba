import CanopyRuntime
import CanopySpecs

/// Module plugin `one_gate`: ONE's gate and gated ensemble (Lan et al. 2018, docs/methods.md#one-architecture).
/// v = global mean of the branch-point feature map (a [B, C] feature is taken as already
/// pooled); g = softmax(ReLU(BN1d(v W^T + b))) [B, M] over the M branches (`fc`: Linear C -> M
/// with bias, `bn`: BatchNorm1d in training mode); z_e = sum_i g[:, i] z_i.
/// Outputs `logits` (z_e) and `weights` (g); parameters `<node>.fc.*`, `<node>.bn.*`.
public struct ONEGate: ModulePlugin {
    public struct Params: PluginParams {
        @Param("BatchNorm1d eps of the gate", .greaterThan(0))
        public var bnEps: Double = 1e-5
        @Param("BatchNorm1d running-statistics momentum", .between(0, 1))
        public var bnMomentum: Double = 0.1
        public init() {}
    }

    public static let name = "one_gate"
    public static let summary = "ONE gate: softmax(ReLU(BN(fc(GAP(feature))))) over branches, ensemble = gate-weighted sum of branch logits"
    public static let inputNames = ["feature", "logits"]
    public static let outputNames = ["logits", "weights"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        guard let feature = inputs[0].first, inputs[0].count == 1 else {
            b.error("one_gate takes one feature value, got \(inputs[0].count)")
            return [:]
        }
        let logits = inputs[1]
        guard logits.count >= 2 else {
            b.error("one_gate needs the logits of at least 2 branches, got \(logits.count)")
            return [:]
        }
        let pooled =
            !b.isPoisoned(feature) && b.spec(feature).shape.rank == 4
            ? b.unary("global_avgpool", "\(prefix)avgpool", feature) : feature
        let fc = b.linear("\(prefix)fc", pooled, out: logits.count)
        let bn = b.batchNorm("\(prefix)bn", fc, eps: params.bnEps, momentum: params.bnMomentum)
        let weights = b.unary("softmax", "\(prefix)weights", b.unary("relu", "\(prefix)relu", bn))
        let stacked = b.stack("\(prefix)stack", logits)
        let ensemble = b.apply("weighted_sum", name: "\(prefix)logits", inputs: [weights, stacked])[0]
        return ["logits": ensemble, "weights": weights]
    }
}
