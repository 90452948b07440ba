import CanopyRuntime
import CanopySpecs

/// Loss plugin `classifier_diversity`: MDE's classifier diversification (CD) term over the
/// M branch classifiers' weight matrices W_i [C, D] (docs/methods.md#mde-cd), a composite
/// of primitive kernels. Give the list input as `weights: branch[*].fc.weight` (parameters
/// as inputs: the gradient reaches each classifier) on an entry WITHOUT `foreach`.
///
/// - `literal` (default): L = sum_{i<j} ||W_i^T W_j||_F^2, un-normalised (the dossier's
///   reading of the paper; its weight lambda_CD = 5e-8 only makes sense for a term this large).
/// - `scale_free`: each class row divided by max(its L2 norm, `norm_eps`),
///   L = (2 / (M(M-1))) sum_{i<j} ||What_i^T What_j||_F^2 / D^2.
public struct ClassifierDiversityLoss: LossPlugin {
    /// Which reading of the CD term.
    public enum Form: String, ParamChoice {
        case literal
        case scaleFree = "scale_free"
    }

    public struct Params: PluginParams {
        @Param("literal: sum over pairs i < j of ||W_i^T W_j||_F^2; scale_free: rows L2-normalised, mean over pairs of ||What_i^T What_j||_F^2 / D^2")
        public var form = Form.literal
        @Param("lower clamp of each row's L2 norm (scale_free)", .greaterThan(0))
        public var normEps = 1e-12
        public init() {}
    }

    public static let name = "classifier_diversity"
    public static let summary = "MDE classifier diversification among M branch classifiers: pairwise ||W_i^T W_j||_F^2, literal or row-normalised"
    public static let inputNames = ["weights"]
    public static let listInputs = ["weights"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        emit(&b, name: name, inputLists: [inputs])
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputLists: [[ValueID]]) -> ValueID {
        let weights = inputLists.first ?? []
        guard weights.count >= 2 else {
            b.error(
                "\(name): classifier_diversity needs the classifier weights of at least 2 branches (give 'weights: branch[*].fc.weight' without foreach), found \(weights.count)"
            )
            return weights.first.map { b.unary("sum", name, $0) } ?? b.poisonedValue(name)
        }
        return b.expression(name, weights) { w in
            let shape = w[0].shape
            for (k, m) in w.enumerated() where !m.isPoisoned && (m.shape != shape || shape.rank != 2) {
                m.graph.error("branch \(k) classifier weight \(m.shape) must be [C, D] like branch 0's \(shape)")
            }
            let dims = shape.rank == 2 ? shape[1] : 1
            let rows = params.form == .literal ? w : w.map { kernel(RowL2Normalize.self, .init(eps: params.normEps), $0) }
            let pairs = Self.pairs(rows.count)
            let terms = pairs.map { i, j in
                let g = matmul(rows[i], rows[j], transposeA: true).named("pair\(i)_\(j).gram")  // W_i^T W_j [D, D]
                return sum(g * g)
            }
            guard params.form == .scaleFree else { return sum(terms) }
            return sum(terms) / (Double(pairs.count) * Double(dims) * Double(dims))
        }
    }

    /// The pairs i < j of `count` branches, in order.
    static func pairs(_ count: Int) -> [(Int, Int)] {
        (0..<count).flatMap { i in (i + 1..<count).map { j in (i, j) } }
    }
}
