/// Pearson correlation of each row of a with the same row of b over the last axis:
/// for rows a_r, b_r of N values, y_r = sum_j ca_j cb_j / (|ca| |cb| + eps) with
/// ca = a_r - mean a_r, cb = b_r - mean b_r (T2B's logit-level decorrelation, variant B).
/// Sums are accumulated in Double.
///
/// Backward, with D = |ca| |cb| + eps and S = sum ca cb: da_j = dy_r (cb_j / D -
/// S |cb| ca_j / (D^2 |ca|)), and symmetrically for b (a zero-norm row drops the second
/// term). Centering needs no extra term: both parts already sum to zero over the row.
public struct RowCorrelation: Kernel {
    /// `eps`, default 1e-8.
    public struct Params: PluginParams {
        @Param("added to the product of the centred norms", type: "number >= 0") public var eps = 1e-8

        public init() {}

        public init(eps: Double = 1e-8) {
            self.init()
            self.eps = eps
        }
    }

    public static let name = "row_correlation"
    public static let summary = "y[r] = Pearson correlation of a[r, :] and b[r, :] over the last axis, eps added to the norm product"
    public static let inputNames = ["a", "b"]

    let eps: Double
    let rows: Int
    let columns: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let a = inputs[0]
        try KernelError.require(
            a.dtype == .float32 && a.shape.rank >= 1 && a.shape[-1] >= 1,
            "row_correlation needs float32 input a [..., N], got \(a)", input: 0)
        try KernelError.require(inputs[1] == a, "row_correlation needs b of a's shape \(a), got \(inputs[1])", input: 1)
        try KernelError.require(params.eps >= 0 && params.eps.isFinite, "row_correlation eps must be at least 0, got \(params.eps)")
        eps = params.eps
        columns = a.shape[-1]
        rows = a.shape.count / columns
        outputs = [TensorSpec(Shape(a.shape.rank == 1 ? [1] : Array(a.shape.dims.dropLast())))]
    }

    /// Row means, centred norms and the centred dot product of row r.
    @inline(__always)
    func stats(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>)
        -> (ma: Double, mb: Double, na: Double, nb: Double, dot: Double)
    {
        var sa = 0.0, sb = 0.0
        for j in 0..<columns {
            sa += Double(a[j])
            sb += Double(b[j])
        }
        let ma = sa / Double(columns), mb = sb / Double(columns)
        var aa = 0.0, bb = 0.0, ab = 0.0
        for j in 0..<columns {
            let ca = Double(a[j]) - ma, cb = Double(b[j]) - mb
            aa += ca * ca
            bb += cb * cb
            ab += ca * cb
        }
        return (ma, mb, aa.squareRoot(), bb.squareRoot(), ab)
    }

    public func forward(_ call: KernelCall) {
        let a = call.inputs[0].f, b = call.inputs[1].f, y = call.outputs[0].f
        for r in 0..<rows {
            let s = stats(a + r * columns, b + r * columns)
            y[r] = Float(s.dot / (s.na * s.nb + eps))
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let ga = call.inputGrad(0)?.f, gb = call.inputGrad(1)?.f
        if ga == nil && gb == nil { return }
        for r in 0..<rows {
            let a = call.inputs[0].f + r * columns, b = call.inputs[1].f + r * columns
            let s = stats(a, b)
            let d = s.na * s.nb + eps, g = Double(gy[r])
            if let ga {
                let k = s.na > 0 ? s.dot * s.nb / (d * d * s.na) : 0
                for j in 0..<columns {
                    ga[r * columns + j] += Float(g * ((Double(b[j]) - s.mb) / d - k * (Double(a[j]) - s.ma)))
                }
            }
            if let gb {
                let k = s.nb > 0 ? s.dot * s.na / (d * d * s.nb) : 0
                for j in 0..<columns {
                    gb[r * columns + j] += Float(g * ((Double(a[j]) - s.ma) / d - k * (Double(b[j]) - s.mb)))
                }
            }
        }
    }
}
