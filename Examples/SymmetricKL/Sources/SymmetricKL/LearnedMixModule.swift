import CanopyRuntime
import CanopySpecs

/// Module `learned_mix`: an ensemble of the branches' logits with one learned weight per
/// branch, z_e = sum_i softmax(w)_i z_i. The mixing logits w [M] (`<node>.mix_logits`)
/// start at 0 (the plain mean) and are trained by whatever loss reads `logits`.
public struct LearnedMixModule: ModulePlugin {
    public struct Params: PluginParams {
        @Param("softmax temperature of the mixing weights (small: sharper preference)", .greaterThan(0))
        public var temperature = 1.0
        public init() {}
    }
    public static let name = "learned_mix"
    public static let summary = "ensemble z_e = sum_i softmax(w / T)_i z_i with learned per-branch mixing logits w"
    public static let inputNames = ["logits"]
    public static let outputNames = ["logits", "weights"]
    public let params: Params
    public init(params: Params) { self.params = params }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let logits = inputs[0]
        guard logits.count >= 2 else {
            b.error("learned_mix needs the logits of at least 2 branches, got \(logits.count)")
            return [:]
        }
        let mixLogits = b.parameter("\(prefix)mix_logits", [logits.count], .zeros)
        let weights = b.expression("\(prefix)weights", [mixLogits]) { w in softmax(w[0], temperature: params.temperature) }
        let stacked = b.stack("\(prefix)stack", logits)  // [B, M, C]
        let mixed = b.expression("\(prefix)logits", [stacked, weights]) { x in
            sum(kernel(LayerScale.self, .init(axis: 1), x[0], x[1]), axes: [1])
        }
        return ["logits": mixed, "weights": weights]
    }
}
