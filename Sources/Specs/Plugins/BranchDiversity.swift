import CanopyRuntime
import Foundation

/// Diversity among an experiment's K >= 2 branches over an evaluation pass, which the
/// per-head `MetricPlugin` cannot see (it looks at one head at a time):
///
/// - `disagreement`: mean over pairs k < l of the fraction of samples whose top-1
///   predictions differ; a logits row with a NaN or an infinity agrees with no other row
///   (not even another non-finite one);
/// - `kl`: mean over ordered pairs k != l of the sample-mean KL(softmax(z_k) || softmax(z_l));
/// - `feature_correlation` (when every branch has a pooled `branch[k].feature`): mean over
///   pairs k < l and dimension pairs (i, j) of |Pearson correlation| between h_k[:, i] and
///   h_l[:, j] over the whole pass (0 for a constant dimension);
/// - `nonfinite`: the number of samples with a NaN or an infinity in some branch's logits
///   or features. `kl` and `feature_correlation` are taken over the other samples (0 when
///   there are none).
///
/// The evaluator reports them as `<split>.diversity.<name>`; the evaluation plan keeps
/// the branch features as outputs for it (`features(of:)`).
public struct BranchDiversity {
    public let branches: Int
    let dims: [Int]
    var samples = 0
    /// Samples whose logits and features are all finite: the ones `kl` and `feature_correlation` cover.
    var finiteSamples = 0
    var disagreements: [Double]
    var klSum = 0.0
    var sums: [[Double]]
    var squares: [[Double]]
    /// Per pair k < l, the D_k x D_l sums of h_k[b, i] h_l[b, j].
    var products: [[Double]]

    /// `featureDims`: each branch's feature dimension, or nil without features.
    public init(branches: Int, featureDims: [Int]?) {
        self.branches = branches
        dims = featureDims ?? []
        disagreements = []
        sums = dims.map { [Double](repeating: 0, count: $0) }
        squares = sums
        products = []
        for k in 0..<dims.count { for l in (k + 1)..<max(dims.count, k + 1) { products.append([Double](repeating: 0, count: dims[k] * dims[l])) } }
    }

    /// The branch features the diversity needs, in branch order: empty unless the
    /// experiment has at least 2 branch heads and each has `branch[k].feature`.
    public static func features(of experiment: CompiledExperiment) -> [ValueID] {
        let count = experiment.branchHeads.count
        let features = (0..<count).compactMap { experiment.values[BranchName.value($0, "feature")] }
        return count >= 2 && features.count == count ? features : []
    }

    /// Adds the first `rows` rows of one batch: every branch's logits [B, C] and, when
    /// the accumulator was made with feature dimensions, every branch's features [B, D_k].
    public mutating func add(logits: [Tensor], features: [Tensor], rows: Int) {
        let classes = logits[0].shape[-1]
        var logProbs = [[Double]](repeating: [Double](repeating: 0, count: classes), count: branches)
        var top = [Int](repeating: 0, count: branches)
        var pairDisagreements = [Double](repeating: 0, count: branches * (branches - 1) / 2)
        var finiteLogits = [Bool](repeating: true, count: branches)
        var finiteRows = [Bool](repeating: true, count: rows)
        for r in 0..<rows {
            for k in 0..<branches {
                let z = logits[k].f + r * classes
                finiteLogits[k] = (0..<classes).allSatisfy { z[$0].isFinite }
                guard finiteLogits[k] else { continue }
                var m = z[0], arg = 0
                for c in 1..<classes where z[c] > m { (m, arg) = (z[c], c) }
                var s = 0.0
                for c in 0..<classes { s += exp(Double(z[c] - m)) }
                let log = Double(m) + Foundation.log(s)
                for c in 0..<classes { logProbs[k][c] = Double(z[c]) - log }
                top[k] = arg
            }
            var p = 0
            for k in 0..<branches {
                for l in (k + 1)..<max(branches, k + 1) {
                    if !finiteLogits[k] || !finiteLogits[l] || top[k] != top[l] { pairDisagreements[p] += 1 }
                    p += 1
                }
            }
            finiteRows[r] =
                finiteLogits.allSatisfy { $0 }
                && (0..<dims.count).allSatisfy { k in (0..<dims[k]).allSatisfy { features[k].f[r * dims[k] + $0].isFinite } }
            guard finiteRows[r] else { continue }
            finiteSamples += 1
            for k in 0..<branches {
                for l in 0..<branches where l != k {
                    var kl = 0.0
                    for c in 0..<classes { kl += exp(logProbs[k][c]) * (logProbs[k][c] - logProbs[l][c]) }
                    klSum += kl
                }
            }
        }
        if disagreements.isEmpty {
            disagreements = pairDisagreements
        } else {
            for i in disagreements.indices { disagreements[i] += pairDisagreements[i] }
        }
        samples += rows
        guard !dims.isEmpty else { return }
        var p = 0
        for k in 0..<branches {
            let h = features[k].f, d = dims[k]
            for r in 0..<rows where finiteRows[r] {
                for i in 0..<d {
                    let v = Double(h[r * d + i])
                    sums[k][i] += v
                    squares[k][i] += v * v
                }
            }
            for l in (k + 1)..<max(branches, k + 1) {
                let g = features[l].f, e = dims[l]
                for r in 0..<rows where finiteRows[r] {
                    for i in 0..<d {
                        let v = Double(h[r * d + i])
                        for j in 0..<e { products[p][i * e + j] += v * Double(g[r * e + j]) }
                    }
                }
                p += 1
            }
        }
    }

    /// (name, value) for `disagreement`, `kl`, with features `feature_correlation`, and `nonfinite`.
    public var results: [(String, Double)] {
        let pairs = Double(branches * (branches - 1) / 2)
        let all = Double(max(samples, 1)), n = Double(max(finiteSamples, 1))
        var out = [("disagreement", disagreements.reduce(0, +) / (all * pairs)), ("kl", klSum / (n * 2 * pairs))]
        if !dims.isEmpty { out.append(("feature_correlation", featureCorrelation(n))) }
        out.append(("nonfinite", Double(samples - finiteSamples)))
        return out
    }

    /// Mean |Pearson correlation| over branch pairs and dimension pairs, over `n` samples.
    private func featureCorrelation(_ n: Double) -> Double {
        var total = 0.0, entries = 0.0, p = 0
        for k in 0..<branches {
            for l in (k + 1)..<max(branches, k + 1) {
                for i in 0..<dims[k] {
                    let mi = sums[k][i] / n, si = max(squares[k][i] / n - mi * mi, 0).squareRoot()
                    for j in 0..<dims[l] {
                        let mj = sums[l][j] / n, sj = max(squares[l][j] / n - mj * mj, 0).squareRoot()
                        let cov = products[p][i * dims[l] + j] / n - mi * mj
                        total += si > 0 && sj > 0 ? abs(cov / (si * sj)) : 0
                        entries += 1
                    }
                }
                p += 1
            }
        }
        return total / max(entries, 1)
    }
}
