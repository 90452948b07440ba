import CanopyRuntime
import CanopySpecs

/// Metric plugin `top_k`: the fraction of samples whose target is among the k highest
/// logits, for each requested k (ties count against the sample, as torch.topk ranks them first-come),
/// and `nonfinite`, the number of samples whose logits row holds a NaN or an infinity:
/// such a sample counts as wrong for every k (NaN compares false, so it would otherwise rank first).
public struct TopKMetric: MetricPlugin {
    public struct Params: PluginParams {
        @Param("which k to report", .atLeast(1)) public var k = OneOrList([1])
        public init() {}
    }

    public static let name = "top_k"
    public static let summary = "top-k accuracy of logits against targets (reported as top1, top5, ...)"

    public let ks: [Int]

    public init(params: Params) throws(ParamError) {
        guard !params.k.values.isEmpty else { throw ParamError(path: ["k"], "expected at least one k, found []") }
        ks = params.k.values
    }

    public var resultNames: [String] { ks.map { "top\($0)" } + ["nonfinite"] }

    public func makeAccumulator() -> any MetricAccumulator { Accumulator(ks: ks) }

    struct Accumulator: MetricAccumulator {
        let ks: [Int]
        var hits: [Int]
        var total = 0
        var nonfinite = 0

        init(ks: [Int]) {
            self.ks = ks
            hits = ks.map { _ in 0 }
        }

        mutating func add(logits: Tensor, target: Tensor, rows: Int) {
            let classes = logits.shape[-1]
            for r in 0..<min(rows, logits.shape[0]) {
                let row = logits.f + r * classes
                let t = Int(target.i[r])
                total += 1
                guard (0..<classes).allSatisfy({ row[$0].isFinite }) else {
                    nonfinite += 1
                    continue
                }
                guard t >= 0 && t < classes else { continue }
                let score = row[t]
                // Rank = classes scoring higher, plus equal scores at a lower index.
                var rank = 0
                for c in 0..<classes where row[c] > score || (row[c] == score && c < t) { rank += 1 }
                for (j, k) in ks.enumerated() where rank < k { hits[j] += 1 }
            }
        }

        var results: [Double] { hits.map { total > 0 ? Double($0) / Double(total) : 0 } + [Double(nonfinite)] }
    }
}
