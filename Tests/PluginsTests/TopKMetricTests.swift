import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Testing

/// `top_k` against hand-worked batches, including rows with NaN and infinite logits.
@Suite struct TopKMetricTests {
    /// (top1, top2, nonfinite) of one batch of 3-class `rows` with `targets`.
    static func results(_ rows: [[Float]], _ targets: [Int32]) throws -> [Double] {
        let metric = try TopKMetric.make(.object([("k", .array([.int(1), .int(2)]))]))
        #expect(metric.resultNames == ["top1", "top2", "nonfinite"])
        var accumulator = metric.makeAccumulator()
        let logits = TensorStorage([rows.count, 3], floats: rows.flatMap { $0 })
        let target = TensorStorage([targets.count], ints: targets)
        accumulator.add(logits: logits.tensor, target: target.tensor, rows: rows.count)
        return accumulator.results
    }

    @Test func finiteRowsRankTheTarget() throws {
        // Target first; second; last; tied with a lower index (counts against it).
        #expect(try Self.results([[3, 1, 2], [1, 3, 2], [3, 2, 1], [2, 2, 1]], [0, 2, 2, 1]) == [0.25, 0.75, 0])
    }

    @Test func nonFiniteRowsAreWrongAndCounted() throws {
        let nan = Float.nan, inf = Float.infinity
        // A NaN target score compares false with everything, so it used to rank first.
        #expect(try Self.results([[nan, 0, 0], [nan, nan, nan]], [0, 1]) == [0, 0, 2])
        // A NaN elsewhere in the row, +inf on the target, -inf elsewhere: all non-finite.
        #expect(try Self.results([[5, nan, 0], [0, inf, 0], [-inf, 3, 0], [3, 1, 2]], [0, 1, 1, 0]) == [0.25, 0.25, 3])
    }

    @Test func nonFiniteRowWithAnInvalidTargetCountsOnce() throws {
        #expect(try Self.results([[Float.nan, 0, 0], [0, 1, 0]], [7, 1]) == [0.5, 0.5, 1])
    }
}
