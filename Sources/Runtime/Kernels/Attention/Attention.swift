import CBLAS

/// Scaled dot-product attention: for q [B, H, Lq, d], k [B, H, Lk, d] and v [B, H, Lk, dv],
/// probs = softmax(scale * q k^T) over the last dimension [B, H, Lq, Lk] and
/// y = probs v [B, H, Lq, dv]. No mask, no dropout.
///
/// Each (batch, head) pair is three single-threaded `cblas_sgemm`-sized steps (q k^T, a
/// row softmax in place, probs v); pairs are split over threads when the work is large.
/// `probs` is a real output: backward reads it instead of recomputing, and a loss on it
/// (attention transfer) sends its gradient back through q and k. Backward per pair:
/// dv += A^T dy; dA = dy v^T + dprobs; dS = A * (dA - rowsum(dA * A));
/// dq += scale * dS k; dk += scale * dS^T q, with dA/dS in a per-thread workspace.
public struct Attention: Kernel {
    /// The decoded params: `scale`, a number or "1/sqrt(d)" (see `parameters`).
    public struct Params: Decodable, Sendable {
        /// The logit scale; nil means 1/sqrt(d).
        public var scale: Float?

        public init(scale: Float? = nil) { self.scale = scale }

        private enum CodingKeys: String, CodingKey { case scale }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? c.decodeIfPresent(String.self, forKey: .scale) {
                guard text == "1/sqrt(d)" else {
                    throw ParamError(path: ["scale"], "expected a number or \"1/sqrt(d)\", found \"\(text)\"")
                }
                scale = nil
            } else {
                scale = try c.decodeIfPresent(Float.self, forKey: .scale)
                if let scale, !scale.isFinite {
                    throw ParamError(path: ["scale"], "must be finite, got \(scale)")
                }
            }
        }
    }

    public static let name = "attention"
    public static let summary = "scaled dot-product attention softmax(scale * q k^T) v over [B, heads, L, d]"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc(
            "scale", "number or \"1/sqrt(d)\"", default: "1/sqrt(d)",
            "factor applied to q k^T before the softmax; d is the last dimension of q")
    ]
    public static let inputNames = ["q", "k", "v"]
    public static let outputNames = ["y", "probs"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1, 2], outputs: [1]) }
    public let workspaceBytes: Int
    let pairs: Int
    let queries: Int
    let keys: Int
    let depth: Int
    let valueDepth: Int
    let scale: Float
    /// Chunks the (batch, head) pairs are split into (1 for small problems), fixed at init.
    let threads: Int
    public var macs: Int { pairs * queries * keys * (depth + valueDepth) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let q = inputs[0], k = inputs[1], v = inputs[2]
        for (i, s) in inputs.enumerated() {
            try KernelError.require(s.dtype == .float32, "attention needs float32 \(Self.inputNames[i])", input: i)
            try KernelError.require(
                s.shape.rank == 4 && s.shape.count > 0,
                "attention needs non-empty \(Self.inputNames[i]) [B, heads, L, d], got \(s.shape)", input: i)
        }
        let (b, h) = (q.shape[0], q.shape[1])
        try KernelError.require(
            k.shape[0] == b && k.shape[1] == h && k.shape[3] == q.shape[3],
            "attention k \(k.shape) must be [\(b), \(h), Lk, \(q.shape[3])] to match q \(q.shape)", input: 1)
        try KernelError.require(
            v.shape[0] == b && v.shape[1] == h && v.shape[2] == k.shape[2],
            "attention v \(v.shape) must be [\(b), \(h), \(k.shape[2]), dv] to match k \(k.shape)", input: 2)
        pairs = b * h
        queries = q.shape[2]
        keys = k.shape[2]
        depth = q.shape[3]
        valueDepth = v.shape[3]
        scale = params.scale ?? 1 / Float(depth).squareRoot()
        outputs = [TensorSpec([b, h, queries, valueDepth]), TensorSpec([b, h, queries, keys])]
        let work = pairs * queries * keys * (depth + valueDepth)
        self.threads = pairs > 1 && work >= RowSoftmax.parallelElements ? threads : 1
        workspaceBytes = self.threads * queries * keys * MemoryLayout<Float>.size
    }

    /// Runs `body(chunk, pairRange)` over the (batch, head) pairs.
    func forPairs(_ body: (Int, Range<Int>) -> Void) {
        Parallel.chunks(pairs, threads: threads, body)
    }

    public func forward(_ call: KernelCall) {
        let q = call.inputs[0].f, k = call.inputs[1].f, v = call.inputs[2].f
        let y = call.outputs[0].f, probs = call.outputs[1].f
        let (lq, lk, d, dv) = (queries, keys, depth, valueDepth)
        let (m, n, kd, nv) = (Int32(lq), Int32(lk), Int32(d), Int32(dv))
        forPairs { _, range in
            for p in range {
                let a = probs + p * lq * lk
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, kd, scale, q + p * lq * d, kd, k + p * lk * d, kd, 0, a, n)
                for r in 0..<lq { RowSoftmax.softmax(a + r * lk, into: a + r * lk, count: lk, scale: 1) }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, nv, n, 1, a, n, v + p * lk * dv, nv, 0, y + p * lq * dv, nv)
            }
        }
    }

    public func backward(_ call: KernelCall) {
        let gq = call.inputGrad(0)?.f, gk = call.inputGrad(1)?.f, gv = call.inputGrad(2)?.f
        let gy = call.outputGrad(0)?.f, gprobs = call.outputGrad(1)?.f
        let needScores = gq != nil || gk != nil
        guard (needScores && (gy != nil || gprobs != nil)) || (gv != nil && gy != nil) else { return }
        let q = call.inputs[0].f, k = call.inputs[1].f, v = call.inputs[2].f, probs = call.outputs[1].f
        let scratch = call.scratch
        let (lq, lk, d, dv) = (queries, keys, depth, valueDepth)
        let (m, n, kd, nv) = (Int32(lq), Int32(lk), Int32(d), Int32(dv))
        forPairs { chunk, range in
            let da = scratch + chunk * lq * lk
            for p in range {
                let a = probs + p * lq * lk
                if let gv, let gy {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, nv, m, 1, a, n, gy + p * lq * dv, nv, 1, gv + p * lk * dv, nv)
                }
                guard needScores else { continue }
                if let gy {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, nv, 1, gy + p * lq * dv, nv, v + p * lk * dv, nv, 0, da, n)
                    if let gprobs {
                        let gp = gprobs + p * lq * lk
                        for i in 0..<lq * lk { da[i] += gp[i] }
                    }
                } else if let gprobs {
                    da.update(from: gprobs + p * lq * lk, count: lq * lk)
                }
                for r in 0..<lq {
                    let ar = a + r * lk, dr = da + r * lk
                    var dot = 0.0
                    for j in 0..<lk { dot += Double(ar[j]) * Double(dr[j]) }
                    let s = Float(dot)
                    for j in 0..<lk { dr[j] = ar[j] * (dr[j] - s) }
                }
                if let gq {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, kd, n, scale, da, n, k + p * lk * d, kd, 1, gq + p * lq * d, kd)
                }
                if let gk {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, kd, m, scale, da, n, q + p * lq * d, kd, 1, gk + p * lk * d, kd)
                }
            }
        }
    }
}
