import CanopyRuntime
import CanopySpecs

/// Module plugin `ahbf_fusion`: AHBF-OKD's M-1 recursive fusion modules and teacher
/// assistants (Gong et al. 2023, docs/methods.md#ahbf-architecture). Module A_j, j = 1 ..
/// M-1, takes (X, Y, l_X, l_Y): U_j = BN2d(Conv1x1_{2C -> C}(concat_channels(X, Y))) with
/// bias and no ReLU, s = GAP(U_j), a_j = softmax(ReLU(BN1d(s W^T + b))) [B, 2],
/// e_j = a_j[:, 0] l_X + a_j[:, 1] l_Y. A_1 gets (F_0, F_1, z_0, z_1), A_j (j >= 2) gets
/// (U_(j-1), F_j, e_(j-1), z_j). Outputs `logits[j]` (e_j), `weights[j]` (a_j) and
/// `logits` (the last assistant e_(M-1)); parameters `<node>.<j>.conv.*`, `<node>.<j>.bn.*`,
/// `<node>.<j>.fc.*`, `<node>.<j>.fc_bn.*` (the official `afm_{j-1}`; BatchNorms in training mode).
public struct AHBFFusion: ModulePlugin {
    public struct Params: PluginParams {
        @Param("BatchNorm eps of the fusion (bn) and gate (fc_bn) norms", .greaterThan(0))
        public var bnEps: Double = 1e-5
        @Param("BatchNorm running-statistics momentum", .between(0, 1))
        public var bnMomentum: Double = 0.1
        public init() {}
    }

    public static let name = "ahbf_fusion"
    public static let summary =
        "AHBF recursive fusion: module j fuses (U_(j-1) or F_0, F_j) by BN(conv1x1(concat)) and weighs (e_(j-1) or z_0, z_j) by softmax(ReLU(BN(fc(GAP))))"
    public static let inputNames = ["features", "logits"]
    public static let outputNames = ["logits[1]", "logits[2]", "...", "weights[1]", "...", "logits"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let features = inputs[0], logits = inputs[1]
        guard logits.count >= 2, features.count == logits.count else {
            b.error(
                "ahbf_fusion needs the feature maps and logits of the same M >= 2 branches, got \(features.count) feature maps and \(logits.count) logits"
            )
            return [:]
        }
        guard !features.contains(where: b.isPoisoned) else {
            var failed = ["logits": b.poisonedValue("\(prefix)logits")]
            for j in 1..<logits.count {
                failed["logits[\(j)]"] = failed["logits"]
                failed["weights[\(j)]"] = b.poisonedValue("\(prefix)\(j).weights")
            }
            return failed
        }
        let shape = b.spec(features[0]).shape
        guard shape.rank == 4, features.allSatisfy({ b.spec($0).shape == shape }) else {
            b.error("ahbf_fusion fuses branch feature maps [B, C, H, W] of one shape, got \(features.map { b.spec($0).shape })")
            return [:]
        }
        var outputs: [String: ValueID] = [:]
        var (map, teacher) = (features[0], logits[0])
        for j in 1..<logits.count {
            let module = fuse(&b, prefix: "\(prefix)\(j).", maps: (map, features[j]), logits: (teacher, logits[j]))
            outputs["logits[\(j)]"] = module.logits
            outputs["weights[\(j)]"] = module.weights
            (map, teacher) = (module.fused, module.logits)
        }
        outputs["logits"] = teacher
        return outputs
    }

    /// One fusion module A_j under `prefix`: (U_j, a_j, e_j).
    func fuse(
        _ b: inout GraphBuilder, prefix: String, maps: (ValueID, ValueID), logits: (ValueID, ValueID)
    ) -> (fused: ValueID, weights: ValueID, logits: ValueID) {
        let channels = b.spec(maps.1).shape[1]
        let joined = b.apply("concat", name: "\(prefix)concat", params: .object([("axis", .int(1))]), inputs: [maps.0, maps.1])[0]
        let conv = b.conv2d("\(prefix)conv", joined, out: channels, kernel: 1, bias: true)
        let fused = b.batchNorm("\(prefix)bn", conv, eps: params.bnEps, momentum: params.bnMomentum)
        let pooled = b.unary("global_avgpool", "\(prefix)avgpool", fused)
        let fc = b.linear("\(prefix)fc", pooled, out: 2)
        let fcBN = b.batchNorm("\(prefix)fc_bn", fc, eps: params.bnEps, momentum: params.bnMomentum)
        let weights = b.unary("softmax", "\(prefix)weights", b.unary("relu", "\(prefix)relu", fcBN))
        let stacked = b.stack("\(prefix)stack", [logits.0, logits.1])
        let ensemble = b.apply("weighted_sum", name: "\(prefix)logits", inputs: [weights, stacked])[0]
        return (fused, weights, ensemble)
    }
}
