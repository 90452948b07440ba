/// Standardisation of each column over the batch: for x of shape [B, ...] (every
/// position after the batch axis is one column), y = (x - mean_b x) / (std_b x + eps),
/// with the population (biased) std, as T2B's decorrelation loss standardises branch
/// embeddings (docs/methods.md#t2b-decorrelation). Means and variances are accumulated in Double.
///
/// Backward, per column with u = x - mean, s = std, a = 1 / (s + eps):
/// dx_b = a (dy_b - mean dy) - a^2 (sum_c dy_c u_c) u_b / (B s), the second term left
/// out where s = 0 (a constant column, whose output is 0 whatever the input moves).
public struct BatchStandardize: Kernel {
    /// `eps`, default 1e-5.
    public struct Params: PluginParams {
        @Param("added to the standard deviation", type: "number >= 0") public var eps = 1e-5

        public init() {}

        public init(eps: Double = 1e-5) {
            self.init()
            self.eps = eps
        }
    }

    public static let name = "batch_standardize"
    public static let summary = "y = (x - mean over axis 0) / (population std over axis 0 + eps), per column"
    public static let inputNames = ["x"]

    let eps: Double
    let rows: Int
    let columns: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank >= 2, "batch_standardize needs float32 [B, ...] input, got \(x)",
            input: 0)
        try KernelError.require(params.eps >= 0 && params.eps.isFinite, "batch_standardize eps must be at least 0, got \(params.eps)")
        eps = params.eps
        rows = x.shape[0]
        columns = x.shape.count / max(rows, 1)
        outputs = [x]
    }

    /// The mean and population standard deviation of column `j`.
    @inline(__always)
    func moments(_ x: UnsafeMutablePointer<Float>, column j: Int) -> (mean: Double, std: Double) {
        var sum = 0.0
        for b in 0..<rows { sum += Double(x[b * columns + j]) }
        let mean = sum / Double(rows)
        var squares = 0.0
        for b in 0..<rows {
            let u = Double(x[b * columns + j]) - mean
            squares += u * u
        }
        return (mean, (squares / Double(rows)).squareRoot())
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        for j in 0..<columns {
            let (mean, std) = moments(x, column: j)
            let a = 1 / (std + eps)
            for b in 0..<rows { y[b * columns + j] = Float((Double(x[b * columns + j]) - mean) * a) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f
        let n = Double(rows)
        for j in 0..<columns {
            let (mean, std) = moments(x, column: j)
            let a = 1 / (std + eps)
            var gSum = 0.0, guSum = 0.0
            for b in 0..<rows {
                let g = Double(gy[b * columns + j])
                gSum += g
                guSum += g * (Double(x[b * columns + j]) - mean)
            }
            let gMean = gSum / n
            let coupling = std > 0 ? a * a * guSum / (n * std) : 0
            for b in 0..<rows {
                let i = b * columns + j
                let u = Double(x[i]) - mean
                gx[i] += Float(a * (Double(gy[i]) - gMean) - coupling * u)
            }
        }
    }
}
