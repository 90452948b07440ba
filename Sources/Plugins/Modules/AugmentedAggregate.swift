import CanopyRuntime
import CanopySpecs

/// Module plugin `augmented_aggregate`: the class prediction of n branches trained on an
/// augmented label space (CSS, docs/methods.md#css-prediction): branch i's logits z_i
/// [B, n C] vote with their own transformation's entry, zhat[c] = (1/n) sum_i z_i[c n + i].
/// Input `logits` is the list of the n branches' logits (`net_t.branch[*].logits`);
/// output `logits` [B, C]. No parameters.
public struct AugmentedAggregate: ModulePlugin {
    /// No params.
    public struct Params: PluginParams { public init() {} }

    public static let name = "augmented_aggregate"
    public static let summary = "augmented-label prediction zhat[c] = mean_i z_i[c n + i] over n branches with n C logits"
    public static let inputNames = ["logits"]
    public static let outputNames = ["logits"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let logits = inputs[0], n = logits.count
        guard n >= 1, !logits.contains(where: b.isPoisoned) else { return [:] }
        let shape = b.spec(logits[0]).shape
        guard shape.rank == 2, shape[1] % n == 0, logits.allSatisfy({ b.spec($0).shape == shape }) else {
            b.error("augmented_aggregate needs \(n) branch logits [B, n C] with n = \(n) dividing the width, got \(shape)")
            return [:]
        }
        let (rows, c) = (shape[0], shape[1] / n)
        let grouped = logits.enumerated().map { i, z in b.reshape("\(prefix)grouped\(i)", z, [rows, c, n]) }
        let votes = b.expression("\(prefix)votes", grouped) { g in
            sum((0..<n).map { slice(g[$0], axis: 2, start: $0, length: 1) }) / Double(n)
        }
        return ["logits": b.reshape("\(prefix)logits", votes, [rows, c])]
    }
}
