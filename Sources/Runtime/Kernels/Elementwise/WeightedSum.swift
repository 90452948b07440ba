/// Per-sample weighted sum over a stacked axis: for weights [B, M] and x [B, M, ...],
/// y[b, ...] = sum_m weights[b, m] * x[b, m, ...] (ONE's gated ensemble z_e = sum_i g_i z_i
/// over branch logits stacked as [B, M, C]). Sums are accumulated in Double.
/// Backward: dweights[b, m] += sum(dy[b] * x[b, m]); dx[b, m] += weights[b, m] * dy[b].
public struct WeightedSum: Kernel {
    public struct Params: Decodable, Sendable {}
    public static let name = "weighted_sum"
    public static let summary = "y[b] = sum_m weights[b, m] * x[b, m] for weights [B, M], x [B, M, ...]"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["weights", "x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    let batch: Int
    let terms: Int
    let inner: Int
    public var macs: Int { batch * terms * inner }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let w = inputs[0], x = inputs[1]
        try KernelError.require(w.dtype == .float32 && w.shape.rank == 2, "weighted_sum needs float32 weights [B, M], got \(w.shape)", input: 0)
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank >= 2 && x.shape[0] == w.shape[0] && x.shape[1] == w.shape[1],
            "weighted_sum x \(x.shape) must be [\(w.shape[0]), \(w.shape[1]), ...] to match weights \(w.shape)", input: 1)
        batch = w.shape[0]
        terms = w.shape[1]
        inner = x.shape.count / max(batch * terms, 1)
        outputs = [TensorSpec(Shape([batch] + Array(x.shape.dims.dropFirst(2))))]
    }

    public func forward(_ call: KernelCall) {
        let w = call.inputs[0].f, x = call.inputs[1].f, y = call.outputs[0].f
        let (m, n) = (terms, inner)
        for b in 0..<batch {
            for i in 0..<n {
                var s = 0.0
                for j in 0..<m { s += Double(w[b * m + j]) * Double(x[(b * m + j) * n + i]) }
                y[b * n + i] = Float(s)
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let w = call.inputs[0].f, x = call.inputs[1].f
        let (m, n) = (terms, inner)
        if let gw = call.inputGrad(0)?.f {
            for b in 0..<batch {
                for j in 0..<m {
                    var s = 0.0
                    let row = x + (b * m + j) * n, g = gy + b * n
                    for i in 0..<n { s += Double(g[i]) * Double(row[i]) }
                    gw[b * m + j] += Float(s)
                }
            }
        }
        if let gx = call.inputGrad(1)?.f {
            for b in 0..<batch {
                for j in 0..<m {
                    let weight = w[b * m + j], row = gx + (b * m + j) * n, g = gy + b * n
                    for i in 0..<n { row[i] += weight * g[i] }
                }
            }
        }
    }
}
