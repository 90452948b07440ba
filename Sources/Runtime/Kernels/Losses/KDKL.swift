import Foundation

/// Temperature KL distillation loss between student and teacher logits [B, C]:
/// loss = T^2 * (1/B) * sum_b KL(q_b || p_b) with q = softmax(teacher / T) + eps (not
/// renormalised) and p = softmax(student / T), i.e.
/// sum_c q_c * (log q_c - log p_c) per sample ("batchmean", as PyTorch's
/// `T*T * F.kl_div(F.log_softmax(s/T), F.softmax(t/T) + eps, reduction="batchmean")`).
/// Terms with q_c = 0 count as 0.
///
/// Backward recomputes both softmaxes from the saved logits. With k = g * T^2 / B:
/// dstudent += (k / T) * (sum(q) * p - q); dteacher += (k / T) * r * (d - sum(r * d)) with
/// r = softmax(teacher / T) and d = log q - log p. A detached teacher is expressed by not
/// requesting its gradient.
public struct KDKL: Kernel {
    /// The reduction over the batch.
    public enum Reduction: String, Codable, Sendable, CaseIterable {
        case batchmean, sum
    }

    /// The decoded params: `temperature`, `teacher_eps`, `t_squared` and `reduction` (see `parameters`).
    public struct Params: Codable, Sendable {
        public var temperature: Float
        public var teacherEps: Float
        public var tSquared: Bool
        public var reduction: Reduction

        public init(temperature: Float = 1, teacherEps: Float = 0, tSquared: Bool = true, reduction: Reduction = .batchmean) {
            self.temperature = temperature
            self.teacherEps = teacherEps
            self.tSquared = tSquared
            self.reduction = reduction
        }

        private enum CodingKeys: String, CodingKey {
            case temperature, teacherEps = "teacher_eps", tSquared = "t_squared", reduction
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? 1
            guard temperature > 0 && temperature.isFinite else {
                throw ParamError(path: ["temperature"], "must be a finite number > 0, got \(temperature)")
            }
            teacherEps = try c.decodeIfPresent(Float.self, forKey: .teacherEps) ?? 0
            guard teacherEps >= 0 && teacherEps.isFinite else {
                throw ParamError(path: ["teacher_eps"], "must be a finite number >= 0, got \(teacherEps)")
            }
            tSquared = try c.decodeIfPresent(Bool.self, forKey: .tSquared) ?? true
            let name = try c.decodeIfPresent(String.self, forKey: .reduction) ?? Reduction.batchmean.rawValue
            guard let r = Reduction(rawValue: name) else {
                throw ParamError(path: ["reduction"], "expected \"batchmean\" or \"sum\", got \"\(name)\"")
            }
            reduction = r
        }
    }

    public static let name = "kd_kl"
    public static let summary = "T^2 * batch-mean KL(softmax(teacher/T) || softmax(student/T)) of logits [B, C] -> loss [1]"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc("temperature", "number", default: "1", "T > 0: both logits are divided by T before the softmax"),
        ParameterDoc(
            "teacher_eps", "number", default: "0",
            "constant added to the teacher probabilities, not renormalised (1e-7 in ONE, OKDDip, AHBF)"),
        ParameterDoc("t_squared", "bool", default: "true", "multiply the loss by T^2 (false: plain KL at temperature T)"),
        ParameterDoc("reduction", "string", default: "batchmean", "\"batchmean\" (sum / B) or \"sum\" over the batch"),
    ]
    public static let inputNames = ["student", "teacher"]
    public static let outputNames = ["loss"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    let batch: Int
    let classes: Int
    let scale: Float
    let eps: Float
    /// T^2 (or 1) times 1/B (or 1): the loss is `factor` times the sum of the per-sample KLs.
    let factor: Double

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let s = inputs[0], t = inputs[1]
        try KernelError.require(s.dtype == .float32, "kd_kl needs float32 student logits", input: 0)
        try KernelError.require(t.dtype == .float32, "kd_kl needs float32 teacher logits", input: 1)
        try KernelError.require(
            s.shape.rank == 2 && s.shape.count > 0,
            "kd_kl needs non-empty student logits [B, C], got \(s.shape)", input: 0)
        try KernelError.require(
            t.shape == s.shape,
            "kd_kl teacher logits \(t.shape) must have the student's shape \(s.shape)", input: 1)
        batch = s.shape[0]
        classes = s.shape[1]
        scale = 1 / params.temperature
        eps = params.teacherEps
        let t2 = params.tSquared ? Double(params.temperature) * Double(params.temperature) : 1
        factor = t2 * (params.reduction == .batchmean ? 1 / Double(batch) : 1)
        outputs = [TensorSpec([1])]
    }

    public func forward(_ call: KernelCall) {
        let student = call.inputs[0].f, teacher = call.inputs[1].f
        let n = classes, scale = scale
        var total = 0.0
        for b in 0..<batch {
            let sr = student + b * n, tr = teacher + b * n
            let ps = RowSoftmax.stats(sr, count: n, scale: scale), qs = RowSoftmax.stats(tr, count: n, scale: scale)
            for c in 0..<n {
                let (q, logQ) = teacherTerm(qs, tr[c])
                if q > 0 { total += Double(q) * (Double(logQ) - Double(ps.logProbability(sr[c], scale: scale))) }
            }
        }
        call.outputs[0].f[0] = Float(total * factor)
    }

    public func backward(_ call: KernelCall) {
        guard let g = call.outputGrad(0)?.f else { return }
        let gs = call.inputGrad(0)?.f, gt = call.inputGrad(1)?.f
        if gs == nil && gt == nil { return }
        let student = call.inputs[0].f, teacher = call.inputs[1].f
        let n = classes, scale = scale
        let k = Float(Double(g[0]) * factor * Double(scale))
        for b in 0..<batch {
            let sr = student + b * n, tr = teacher + b * n
            let ps = RowSoftmax.stats(sr, count: n, scale: scale), qs = RowSoftmax.stats(tr, count: n, scale: scale)
            var mass = 0.0, weighted = 0.0
            for c in 0..<n {
                let (q, logQ) = teacherTerm(qs, tr[c])
                mass += Double(q)
                if gt != nil && q > 0 {
                    let r = qs.probability(tr[c], scale: scale)
                    weighted += Double(r) * (Double(logQ) - Double(ps.logProbability(sr[c], scale: scale)))
                }
            }
            if let gs {
                let m = Float(mass), row = gs + b * n
                for c in 0..<n { row[c] += k * (m * ps.probability(sr[c], scale: scale) - teacherTerm(qs, tr[c]).q) }
            }
            if let gt {
                let w = Float(weighted), row = gt + b * n
                for c in 0..<n {
                    let (q, logQ) = teacherTerm(qs, tr[c])
                    guard q > 0 else { continue }
                    let r = qs.probability(tr[c], scale: scale)
                    row[c] += k * r * ((logQ - ps.logProbability(sr[c], scale: scale)) - w)
                }
            }
        }
    }

    /// The teacher probability q = softmax(t / T) + eps of one class and its logarithm.
    @inline(__always) func teacherTerm(_ stats: RowSoftmax.Stats, _ t: Float) -> (q: Float, log: Float) {
        if eps == 0 {
            let logQ = stats.logProbability(t, scale: scale)
            return (exp(logQ), logQ)
        }
        let q = stats.probability(t, scale: scale) + eps
        return (q, log(q))
    }
}
