import CanopyRuntime
import CanopySpecs

/// Module plugin `augmented_aggregate`: the class prediction of n branches trained on an
/// augmented label space (CSS, docs/methods.md#css-prediction): branch i's logits z_i
/// [B, n C] vote with their own transformation's entry, zhat[c] = (1/n) sum_i z_i[c n + i].
/// Input `logits` is the list of the branches' logits (`net_t.branch[*].logits`, or a
/// range such as `net_t.branch[1:2].logits` with `first: 1` and `factor: 3` for branch 1's
/// single-branch slice z_1[c n + 1]); output `logits` [B, C]. No parameters.
public struct AugmentedAggregate: ModulePlugin {
    /// The label-space factor n and the index of the first given branch.
    public struct Params: PluginParams {
        @Param("the number of transformations n (logits are n * C wide)", .between(1, 1024), shownDefault: "the number of given logits")
        public var factor: Int? = nil
        @Param("the transformation index of the first given branch (the others follow)", .atLeast(0))
        public var first = 0
        public init() {}
    }

    public static let name = "augmented_aggregate"
    public static let summary = "augmented-label prediction zhat[c] = mean_i z_i[c n + i] over n branches with n C logits"
    public static let inputNames = ["logits"]
    public static let outputNames = ["logits"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let logits = inputs[0], n = params.factor ?? logits.count, first = params.first
        guard !logits.isEmpty, !logits.contains(where: b.isPoisoned) else { return [:] }
        let shape = b.spec(logits[0]).shape
        guard first + logits.count <= n else {
            b.error("augmented_aggregate: branches \(first) ..< \(first + logits.count) are not all below factor \(n)")
            return [:]
        }
        guard shape.rank == 2, shape[1] % n == 0, logits.allSatisfy({ b.spec($0).shape == shape }) else {
            b.error("augmented_aggregate needs branch logits [B, n C] with n = \(n) dividing the width, got \(shape)")
            return [:]
        }
        let (rows, c) = (shape[0], shape[1] / n)
        let grouped = logits.enumerated().map { i, z in b.reshape("\(prefix)grouped\(i)", z, [rows, c, n]) }
        let votes = b.expression("\(prefix)votes", grouped) { g in
            sum(g.indices.map { slice(g[$0], axis: 2, start: first + $0, length: 1) }) / Double(g.count)
        }
        return ["logits": b.reshape("\(prefix)logits", votes, [rows, c])]
    }
}
