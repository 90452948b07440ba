import Foundation

/// Attention pooling of a token sequence with one learned query: for x [B, N, C] and
/// query [C], weights = softmax over the N tokens of (x_n . query) / sqrt(C) [B, N] and
/// y = sum_n weights_n x_n [B, C] (keys and values are the tokens themselves). A zero
/// query gives mean pooling.
///
/// `weights` is a real output (a loss may read it). Backward per sample, with
/// g_n = dy . x_n + dweights_n and ds_n = w_n (g_n - sum_m w_m g_m):
/// dx_n += w_n dy + ds_n query / sqrt(C); dquery += sum_n ds_n x_n / sqrt(C). The
/// score sums run in Double; samples are walked in order, so dquery is deterministic.
public struct AttentionPool: Kernel {
    /// No params: the scale is 1/sqrt(C).
    public struct Params: Decodable, Sendable {}

    public static let name = "attention_pool"
    public static let summary = "y = softmax_n(x_n . query / sqrt(C)) weighted sum of the tokens of x [B, N, C] -> [B, C]"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["x", "query"]
    public static let outputNames = ["y", "weights"]

    let batch: Int, tokens: Int, channels: Int
    let scale: Float
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: [1]) }
    public var workspaceBytes: Int { tokens * MemoryLayout<Float>.stride }
    public var macs: Int { 2 * batch * tokens * channels }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0], q = inputs[1]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 3 && x.shape.count > 0,
            "attention_pool needs non-empty float32 tokens x [B, N, C], got \(x.shape)", input: 0)
        try KernelError.require(
            q.dtype == .float32 && q.shape == [x.shape[2]],
            "attention_pool query must be float32 [\(x.shape[2])] (the channels of x), got \(q.shape)", input: 1)
        (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        scale = 1 / Float(channels).squareRoot()
        outputs = [TensorSpec([batch, channels]), TensorSpec([batch, tokens])]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, q = call.inputs[1].f
        let y = call.outputs[0].f, weights = call.outputs[1].f
        for b in 0..<batch {
            let xs = x + b * tokens * channels, w = weights + b * tokens, out = y + b * channels
            var largest = -Float.infinity
            for n in 0..<tokens {
                let row = xs + n * channels
                var dot = 0.0
                for c in 0..<channels { dot += Double(row[c] * q[c]) }
                w[n] = Float(dot) * scale
                largest = max(largest, w[n])
            }
            var total = 0.0
            for n in 0..<tokens {
                w[n] = exp(w[n] - largest)
                total += Double(w[n])
            }
            let inverse = Float(1 / total)
            for c in 0..<channels { out[c] = 0 }
            for n in 0..<tokens {
                w[n] *= inverse
                let row = xs + n * channels, wn = w[n]
                for c in 0..<channels { out[c] += wn * row[c] }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, q = call.inputs[1].f, weights = call.outputs[1].f
        let gx = call.inputGrad(0)?.f, gq = call.inputGrad(1)?.f, gw = call.outputGrad(1)?.f
        let ds = call.workspace!.assumingMemoryBound(to: Float.self)
        for b in 0..<batch {
            let xs = x + b * tokens * channels, w = weights + b * tokens, dy = gy + b * channels
            var mean = 0.0
            for n in 0..<tokens {
                let row = xs + n * channels
                var dot = 0.0
                for c in 0..<channels { dot += Double(dy[c] * row[c]) }
                if let gw { dot += Double(gw[b * tokens + n]) }
                ds[n] = Float(dot)
                mean += Double(w[n]) * dot
            }
            for n in 0..<tokens { ds[n] = w[n] * (ds[n] - Float(mean)) * scale }
            if let gx {
                let grad = gx + b * tokens * channels
                for n in 0..<tokens {
                    let row = grad + n * channels, wn = w[n], dn = ds[n]
                    for c in 0..<channels { row[c] += wn * dy[c] + dn * q[c] }
                }
            }
            if let gq {
                for n in 0..<tokens {
                    let row = xs + n * channels, dn = ds[n]
                    for c in 0..<channels { gq[c] += dn * row[c] }
                }
            }
        }
    }
}
