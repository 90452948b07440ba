import CanopyRuntime
import CanopySpecs

/// Module plugin `logit_average`: the mean of two predictions of the same shape,
/// `logits` = (a + b) / 2 (CSS's dual prediction of its two networks). No parameters.
public struct LogitAverage: ModulePlugin {
    /// No params.
    public struct Params: PluginParams { public init() {} }

    public static let name = "logit_average"
    public static let summary = "mean of two predictions: logits = (a + b) / 2"
    public static let inputNames = ["a", "b"]
    public static let outputNames = ["logits"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        guard inputs[0].count == 1, inputs[1].count == 1 else {
            b.error("logit_average takes one value for a and one for b, got \(inputs[0].count) and \(inputs[1].count)")
            return [:]
        }
        return ["logits": b.expression("\(prefix)logits", [inputs[0][0], inputs[1][0]]) { x in (x[0] + x[1]) / 2 }]
    }
}
