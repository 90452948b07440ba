import CanopyRuntime
import CanopySpecs

/// Module plugin `sort`: sorts each row of x [..., C] along the last dimension (the
/// `sort` kernel, stable): output `values`. The gradient scatters back to the positions
/// the values came from, so a loss on sorted logits trains the logits (LightSKD's DSR).
public struct SortModule: ModulePlugin {
    public struct Params: PluginParams {
        @Param("largest first (equal values still keep the lower input index first)")
        public var descending = false
        public init() {}
    }

    public static let name = "sort"
    public static let summary = "sorts each row of a value along its last dimension (ascending unless descending) -> values"
    public static let inputNames = ["x"]
    public static let outputNames = ["values"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        guard let x = inputs[0].first, inputs[0].count == 1 else {
            b.error("sort takes one value, got \(inputs[0].count)")
            return [:]
        }
        let sorted = b.apply(Sort.self, name: "\(prefix)values", params: .init(descending: params.descending), inputs: [x])
        return ["values": sorted[0]]
    }
}
