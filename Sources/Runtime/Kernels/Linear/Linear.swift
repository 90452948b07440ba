import CBLAS

/// Fully connected layer `y = x W^T + b` with a PyTorch-layout weight `[out, in]`.
///
/// No params. Inputs: `x` [..., in] (leading dimensions flattened into rows),
/// `weight` [out, in], optional `bias` [out]. Output: `y` [..., out].
/// Backward: `dx += dy W`, `dW += dy^T x`, `db += column sums of dy` (in Double).
/// Large products split the rows into chunks; chunk 0 accumulates the weight gradient
/// in place and the others into partials added afterwards in chunk order.
public struct Linear: Kernel {
    public struct Params: Decodable, Sendable {}
    public static let name = "linear"
    public static let summary = "y = x W^T + b over the last dimension, weight [out, in], optional bias"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["x", "weight", "bias"]
    public static let optionalInputs = 1

    public let outputs: [TensorSpec]
    public var macs: Int { rows * inFeatures * outFeatures }
    private let rows: Int
    private let inFeatures: Int
    private let outFeatures: Int
    private let hasBias: Bool
    private let plan: ChunkPlan

    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    /// Weight-gradient partials for chunks 1..., then one Double per output for the bias gradient.
    public var workspaceBytes: Int { (plan.chunks - 1) * outFeatures * inFeatures * 4 + outFeatures * 8 }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0], w = inputs[1]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank >= 1,
            "linear: input x must be float32 [..., in], got \(x)", input: 0)
        try KernelError.require(
            w.dtype == .float32 && w.shape.rank == 2,
            "linear: input weight must be float32 [out, in], got \(w)", input: 1)
        try KernelError.require(
            w.shape[1] == x.shape[-1],
            "linear: input weight \(w.shape) expects \(w.shape[1]) input features, but x \(x.shape) has \(x.shape[-1])",
            input: 1)
        inFeatures = w.shape[1]
        outFeatures = w.shape[0]
        rows = x.shape.count(upTo: x.shape.rank - 1)
        hasBias = inputs.count > 2
        if hasBias {
            try KernelError.require(
                inputs[2].dtype == .float32 && inputs[2].shape == [outFeatures],
                "linear: input bias must be float32 [\(outFeatures)], got \(inputs[2])", input: 2)
        }
        plan = ChunkPlan(work: rows * inFeatures * outFeatures, minimumWork: 1 << 18, threads: threads)
        outputs = [TensorSpec(Shape(Array(x.shape.dims.dropLast()) + [outFeatures]))]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, w = call.inputs[1].f, y = call.outputs[0].f
        let bias = hasBias ? call.inputs[2].f : nil
        let k = inFeatures, m = outFeatures
        plan.run(rows) { _, range in
            let yr = y + range.lowerBound * m
            if let bias {
                for r in 0..<range.count { (yr + r * m).update(from: bias, count: m) }
            }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(range.count), Int32(m), Int32(k),
                1, x + range.lowerBound * k, Int32(k), w, Int32(k), bias == nil ? 0 : 1, yr, Int32(m))
        }
    }

    public func backward(_ call: KernelCall) {
        guard let dy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, w = call.inputs[1].f
        let dx = call.inputGrad(0)?.f, dw = call.inputGrad(1)?.f
        let k = inFeatures, m = outFeatures, weights = m * k
        let scratch = call.workspace!.assumingMemoryBound(to: Float.self)
        if dx != nil || dw != nil {
            plan.run(rows) { chunk, range in
                let dyr = dy + range.lowerBound * m
                if let dx {
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(range.count), Int32(k), Int32(m),
                        1, dyr, Int32(m), w, Int32(k), 1, dx + range.lowerBound * k, Int32(k))
                }
                if let dw {
                    let target = chunk == 0 ? dw : scratch + (chunk - 1) * weights
                    cblas_sgemm(
                        CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(k), Int32(range.count),
                        1, dyr, Int32(m), x + range.lowerBound * k, Int32(k), chunk == 0 ? 1 : 0, target, Int32(k))
                }
            }
            if let dw {
                for c in 1..<max(plan.chunkCount(rows), 1) {
                    let p = scratch + (c - 1) * weights
                    for i in 0..<weights { dw[i] += p[i] }
                }
            }
        }
        if hasBias, let db = call.inputGrad(2)?.f {
            let sums = (call.workspace! + (plan.chunks - 1) * weights * 4).assumingMemoryBound(to: Double.self)
            sums.update(repeating: 0, count: m)
            for r in 0..<rows {
                let dyr = dy + r * m
                for j in 0..<m { sums[j] += Double(dyr[j]) }
            }
            for j in 0..<m { db[j] += Float(sums[j]) }
        }
    }
}
