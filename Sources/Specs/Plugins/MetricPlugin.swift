import CanopyRuntime

/// A metric plugin: a statistic of a model output over a whole evaluation pass (top-k
/// accuracy, ...), accumulated batch by batch on the host after the eval plan runs.
public protocol MetricPlugin: Sendable {
    /// The params type, decoded strictly from the metric's mapping without `name`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "top_k".
    static var name: String { get }
    /// One line describing the metric.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }

    /// Validates `params`.
    init(params: Params) throws(ParamError)

    /// The names of the numbers this metric reports, e.g. ["top1", "top5"].
    var resultNames: [String] { get }
    /// A fresh accumulator for one evaluation pass.
    func makeAccumulator() -> any MetricAccumulator
}

/// Accumulates one metric over the batches of an evaluation pass.
public protocol MetricAccumulator {
    /// Adds the first `rows` rows of a batch: `logits` [B, C] float32 and `target` [B] int32.
    mutating func add(logits: Tensor, target: Tensor, rows: Int)
    /// The values, in the metric's `resultNames` order.
    var results: [Double] { get }
}

extension MetricPlugin {
    /// Decodes `value` strictly and builds the metric.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }
}

extension MetricPlugin where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
