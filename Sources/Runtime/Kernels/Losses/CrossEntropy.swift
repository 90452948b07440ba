/// Softmax cross-entropy of logits [B, C] against int32 class targets [B], as PyTorch's
/// `F.cross_entropy` with `label_smoothing`: the target distribution of sample b is
/// q = (1 - eps) * onehot(y_b) + eps / C, and loss_b = -sum_c q_c * log softmax(z_b)_c.
/// The output `loss` [1] is the mean over the batch (`reduction: mean`) or the sum.
///
/// A target outside 0..<C is never used as an index: that sample's loss is NaN (so the
/// total is NaN and the runtime's non-finite-loss guard reports it) and its row of the
/// logits gradient is NaN too. Backward recomputes the softmax from the saved logits:
/// dlogits += g * (softmax(z) - q) / B (without the 1/B for `sum`).
public struct CrossEntropy: Kernel {
    /// The reduction over the batch.
    public enum Reduction: String, Codable, Sendable, CaseIterable {
        case mean, sum
    }

    /// The decoded params: `label_smoothing` and `reduction` (see `parameters`).
    public struct Params: Codable, Sendable {
        public var labelSmoothing: Float
        public var reduction: Reduction

        public init(labelSmoothing: Float = 0, reduction: Reduction = .mean) {
            self.labelSmoothing = labelSmoothing
            self.reduction = reduction
        }

        private enum CodingKeys: String, CodingKey {
            case labelSmoothing = "label_smoothing", reduction
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            labelSmoothing = try c.decodeIfPresent(Float.self, forKey: .labelSmoothing) ?? 0
            guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
                throw ParamError(path: ["label_smoothing"], "must be in [0, 1], got \(labelSmoothing)")
            }
            let name = try c.decodeIfPresent(String.self, forKey: .reduction) ?? Reduction.mean.rawValue
            guard let r = Reduction(rawValue: name) else {
                throw ParamError(path: ["reduction"], "expected \"mean\" or \"sum\", got \"\(name)\"")
            }
            reduction = r
        }
    }

    public static let name = "cross_entropy"
    public static let summary = "softmax cross-entropy of logits [B, C] against int32 targets [B] -> loss [1]"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc(
            "label_smoothing", "number", default: "0",
            "eps in [0, 1]: target = (1 - eps) * onehot + eps / C (PyTorch semantics)"),
        ParameterDoc("reduction", "string", default: "mean", "\"mean\" over the batch or \"sum\""),
    ]
    public static let inputNames = ["logits", "target"]
    public static let outputNames = ["loss"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    let batch: Int
    let classes: Int
    let smoothing: Double
    let reduction: Reduction

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let logits = inputs[0], target = inputs[1]
        try KernelError.require(logits.dtype == .float32, "cross_entropy needs float32 logits", input: 0)
        try KernelError.require(
            logits.shape.rank == 2 && logits.shape.count > 0,
            "cross_entropy needs non-empty logits [B, C], got \(logits.shape)", input: 0)
        try KernelError.require(
            target.dtype == .int32,
            "cross_entropy needs int32 class indices as target, got \(target.dtype.rawValue)", input: 1)
        try KernelError.require(
            target.shape == [logits.shape[0]],
            "cross_entropy target must have shape [\(logits.shape[0])] to match logits \(logits.shape), got \(target.shape)",
            input: 1)
        batch = logits.shape[0]
        classes = logits.shape[1]
        smoothing = Double(params.labelSmoothing)
        reduction = params.reduction
        outputs = [TensorSpec([1])]
    }

    /// 1/B for the mean, 1 for the sum.
    var batchFactor: Double { reduction == .mean ? 1 / Double(batch) : 1 }

    public func forward(_ call: KernelCall) {
        let z = call.inputs[0].f, target = call.inputs[1].i
        let n = classes, uniform = smoothing / Double(n)
        var total = 0.0
        for b in 0..<batch {
            let row = z + b * n, t = Int(target[b])
            guard t >= 0 && t < n else {
                total += .nan
                continue
            }
            let s = RowSoftmax.stats(row, count: n, scale: 1)
            var loss = -(1 - smoothing) * Double(s.logProbability(row[t], scale: 1))
            if smoothing > 0 {
                var all = 0.0
                for c in 0..<n { all += Double(s.logProbability(row[c], scale: 1)) }
                loss -= uniform * all
            }
            total += loss
        }
        call.outputs[0].f[0] = Float(total * batchFactor)
    }

    public func backward(_ call: KernelCall) {
        guard let gz = call.inputGrad(0)?.f, let g = call.outputGrad(0)?.f else { return }
        let z = call.inputs[0].f, target = call.inputs[1].i
        let n = classes
        let coefficient = Float(Double(g[0]) * batchFactor)
        let uniform = Float(smoothing / Double(n)), hit = Float(1 - smoothing)
        for b in 0..<batch {
            let row = z + b * n, grow = gz + b * n, t = Int(target[b])
            guard t >= 0 && t < n else {
                for c in 0..<n { grow[c] += .nan }
                continue
            }
            let s = RowSoftmax.stats(row, count: n, scale: 1)
            for c in 0..<n { grow[c] += coefficient * (s.probability(row[c], scale: 1) - uniform) }
            grow[t] -= coefficient * hit
        }
    }
}
