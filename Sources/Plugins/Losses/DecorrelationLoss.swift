import CanopyRuntime
import CanopySpecs

/// Loss plugin `decorrelation`: T2B's inter-branch decorrelation (docs/methods.md#t2b-decorrelation), a
/// composite of primitive kernels over every branch at once. Give the list input as
/// `branches: branch[*].feature` on an entry WITHOUT `foreach`.
///
/// - `feature` (default): h_k standardised per dimension over the batch (population std
///   + `std_eps`), C^{kl} = hat(h)_k^T hat(h)_l / B for pairs k < l,
///   L = (2 / (K(K-1))) sum_{k<l} (1/D^2) sum_ij (C^{kl}_ij)^2.
/// - `A`: the same with only the off-diagonal entries, (1/(D(D-1))) sum_{i != j}.
/// - `B`: branches are logits; r_k = softmax(z_k / T) over the classes other than the
///   target; L = mean over samples and pairs k < l of the Pearson correlation of r_k, r_l
///   (signed), `pearson_eps` added to the norm product. Needs `target`.
public struct DecorrelationLoss: LossPlugin {
    /// Which reading of the decorrelation.
    public enum Variant: String, ParamChoice { case feature, A, B }

    public struct Params: PluginParams {
        @Param(
            "feature: mean squared cross-correlation of standardised branch features; A: off-diagonal entries only; B: signed Pearson correlation of non-target softened predictions (branches are logits, needs target)"
        )
        public var variant = Variant.feature
        @Param("added to the batch std when standardising (feature, A)", .atLeast(0))
        public var stdEps = 1e-5
        @Param("softmax temperature T (B)", .greaterThan(0))
        public var temperature = 3.0
        @Param("added to the product of the centred norms (B)", .atLeast(0))
        public var pearsonEps = 1e-8
        public init() {}
    }

    public static let name = "decorrelation"
    public static let summary = "T2B decorrelation among K branches: feature cross-correlation (all entries or off-diagonal) or logit Pearson"
    public static let inputNames = ["branches", "target"]
    public static let listInputs = ["branches"]
    public static let optionalInputs = ["target"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        emit(&b, name: name, inputLists: [Array(inputs.prefix(1)), Array(inputs.dropFirst())])
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputLists: [[ValueID]]) -> ValueID {
        let branches = inputLists[0], target = inputLists.count > 1 ? inputLists[1].first : nil
        guard branches.count >= 2 else {
            b.error(
                "\(name): decorrelation needs at least 2 branches (give 'branches: branch[*].\(params.variant == .B ? "logits" : "feature")' without foreach), found \(branches.count)"
            )
            return b.unary("sum", name, branches[0])
        }
        if params.variant == .B {
            guard let target else {
                b.error("\(name): decorrelation variant B needs input 'target'")
                return b.unary("sum", name, branches[0])
            }
            return logitPearson(&b, name: name, branches, target: target)
        }
        if target != nil { b.error("\(name): input 'target' is only used by variant B") }
        return featureCrossCorrelation(&b, name: name, branches)
    }

    /// Variants feature and A: the mean over pairs k < l of the squared entries of
    /// C = hat(h)_k^T hat(h)_l / B (A: off the diagonal only).
    func featureCrossCorrelation(_ b: inout GraphBuilder, name: String, _ features: [ValueID]) -> ValueID {
        b.expression(name, features) { h in
            let shape = h[0].shape
            for (k, f) in h.enumerated() where !f.isPoisoned && (f.shape != shape || shape.rank != 2) {
                f.graph.error("branch \(k) feature \(f.shape) must be [B, D] like branch 0's \(shape)")
            }
            let (batch, dims) = (shape[0], shape.rank == 2 ? shape[1] : 1)
            if params.variant == .A && dims < 2 { h[0].graph.error("variant A needs feature dimension D >= 2, found \(dims)") }
            let hats = h.map { kernel(BatchStandardize.self, .init(eps: params.stdEps), $0) }
            let terms = Self.pairs(hats.count).map { k, l in
                let c = matmul(hats[k], hats[l], transposeA: true, alpha: 1 / Double(batch)).named("pair\(k)_\(l).cross_correlation")
                guard params.variant == .A else { return sum(c * c) }
                let diagonal = mean(hats[k] * hats[l], axes: [0])
                return sum(c * c) - sum(diagonal * diagonal)
            }
            let entries = Double(dims) * Double(params.variant == .A ? dims - 1 : dims)
            return sum(terms) / (Double(terms.count) * max(entries, 1))
        }
    }

    /// Variant B: the mean over samples and pairs k < l of the Pearson correlation of
    /// r_k = softmax(z_k / T) over the classes other than the target.
    func logitPearson(_ b: inout GraphBuilder, name: String, _ logits: [ValueID], target: ValueID) -> ValueID {
        b.expression(name, logits + [target]) { z in
            let target = z.last!
            let r = z.dropLast().map { softmax(kernel(ExcludeClass.self, .init(), $0, target), temperature: params.temperature) }
            let rho = Self.pairs(r.count).map { k, l in
                kernel(RowCorrelation.self, .init(eps: params.pearsonEps), r[k], r[l]).named("pair\(k)_\(l).correlation")
            }
            return mean(sum(rho)) / Double(rho.count)
        }
    }

    /// The pairs k < l of `count` branches, in order.
    static func pairs(_ count: Int) -> [(Int, Int)] {
        (0..<count).flatMap { k in (k + 1..<count).map { l in (k, l) } }
    }
}
