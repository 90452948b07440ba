import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// `BranchDiversity` against values worked out by hand, fed in two batches.
@Suite struct BranchDiversityTests {
    @Test func handComputedValues() {
        let l3 = Float(log(3.0))
        // Branch 0 rows: [0,0] (p .5/.5), [ln3,0] (.75/.25), [0,0]; branch 1: [0,ln3] (.25/.75), [ln3,0], [0,0].
        // Top-1: 0,0,0 vs 1,0,0 -> one disagreement in 3 samples.
        let z0 = TensorStorage([3, 2], floats: [0, 0, l3, 0, 0, 0]), z1 = TensorStorage([3, 2], floats: [0, l3, l3, 0, 0, 0])
        // Features: branch 0 D = 2, branch 1 D = 1 with h1 = 2 h0[:, 0]; corr(h0[:, 1], h1) = sqrt(3)/2.
        let h0 = TensorStorage([3, 2], floats: [1, 0, 2, 5, 3, 5]), h1 = TensorStorage([3, 1], floats: [2, 4, 6])
        var d = BranchDiversity(branches: 2, featureDims: [2, 1])
        // Two batches: rows 0-1, then row 2 (moved to the front of fresh tensors).
        d.add(logits: [z0.tensor, z1.tensor], features: [h0.tensor, h1.tensor], rows: 2)
        let y0 = TensorStorage([1, 2], floats: [0, 0]), y1 = TensorStorage([1, 2], floats: [0, 0])
        let g0 = TensorStorage([1, 2], floats: [3, 5]), g1 = TensorStorage([1, 1], floats: [6])
        d.add(logits: [y0.tensor, y1.tensor], features: [g0.tensor, g1.tensor], rows: 1)
        let r = Dictionary(uniqueKeysWithValues: d.results)
        #expect(abs(r["disagreement"]! - 1.0 / 3) < 1e-12)
        let kl01 = 0.5 * log(0.5 / 0.25) + 0.5 * log(0.5 / 0.75), kl10 = 0.25 * log(0.25 / 0.5) + 0.75 * log(0.75 / 0.5)
        #expect(abs(r["kl"]! - (kl01 + kl10) / 6) < 1e-6)
        #expect(abs(r["feature_correlation"]! - (1 + 3.0.squareRoot() / 2) / 2) < 1e-6)
    }

    @Test func withoutFeaturesOnlyLogitStatistics() {
        let z = TensorStorage([2, 3], floats: [1, 2, 3, 3, 2, 1])
        var d = BranchDiversity(branches: 3, featureDims: nil)
        d.add(logits: [z.tensor, z.tensor, z.tensor], features: [], rows: 2)
        #expect(d.results.map(\.0) == ["disagreement", "kl", "nonfinite"])
        #expect(d.results.allSatisfy { abs($0.1) < 1e-12 })
    }

    /// A NaN or infinite row agrees with nothing (two NaN rows used to count as agreeing,
    /// their argmax both 0); the other statistics cover only the finite samples.
    @Test func nonFiniteRowsDisagreeAndAreCounted() {
        let nan = Float.nan
        // Sample 0: both finite and equal. Sample 1: both NaN. Sample 2: branch 1 has +inf.
        // Sample 3: logits finite and equal, a NaN in branch 0's features.
        let z0 = TensorStorage([4, 2], floats: [1, 0, nan, nan, 1, 0, 2, 0])
        let z1 = TensorStorage([4, 2], floats: [1, 0, nan, nan, .infinity, 0, 2, 0])
        let h0 = TensorStorage([4, 1], floats: [1, 2, 3, nan]), h1 = TensorStorage([4, 1], floats: [2, 4, 6, 8])
        var d = BranchDiversity(branches: 2, featureDims: [1, 1])
        d.add(logits: [z0.tensor, z1.tensor], features: [h0.tensor, h1.tensor], rows: 4)
        let r = Dictionary(uniqueKeysWithValues: d.results)
        #expect(r["disagreement"] == 0.5)
        #expect(r["nonfinite"] == 3)
        #expect(r["kl"] == 0)
        // One finite sample: the feature dimensions are constant over it.
        #expect(r["feature_correlation"] == 0)
        #expect(d.results.allSatisfy { $0.1.isFinite })
    }
}
