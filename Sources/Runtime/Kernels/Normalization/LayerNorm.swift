/// Layer normalisation over the channel dimension, as in ConvNeXt and CSWin.
///
/// `layout: channels_last` normalises the last dim of x [..., C]; `channels_first`
/// normalises dim 1 of x [N, C, ...] at each position. Each row of C values gets
/// y = (x - mean) / sqrt(var + eps) * weight + bias with the biased variance,
/// accumulated in Double. Inputs x, weight [C], bias [C]. Outputs y like x, and
/// saved_mean and saved_invstd with x's shape and C replaced by 1 (PyTorch's
/// native_layer_norm statistics), which backward reads so that they live until then.
/// Backward also propagates gradients given to the saved statistics. Rows are split
/// over `Parallel.chunks`; weight and bias gradients go through per-chunk Double
/// partials summed in chunk order.
public struct LayerNorm: Kernel {
    /// Which dimension holds the channels.
    public enum Layout: String, Sendable, CaseIterable {
        case channelsLast = "channels_last"
        case channelsFirst = "channels_first"
    }

    /// `layout` (default channels_last) and `eps` (default 1e-5).
    public struct Params: Decodable, Sendable {
        public var layout: Layout
        public var eps: Double

        private enum CodingKeys: String, CodingKey { case layout, eps }

        public init(layout: Layout = .channelsLast, eps: Double = 1e-5) {
            self.layout = layout
            self.eps = eps
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? 1e-5
            let name = try c.decodeIfPresent(String.self, forKey: .layout) ?? Layout.channelsLast.rawValue
            guard let layout = Layout(rawValue: name) else {
                let known = Layout.allCases.map(\.rawValue)
                throw ParamError(
                    path: ["layout"],
                    "expected one of \(known.joined(separator: ", ")), found \"\(name)\""
                        + Suggestion.note(for: name, in: known))
            }
            self.layout = layout
        }
    }

    public static let name = "layernorm"
    public static let summary = "layer normalisation over channels; outputs y, saved_mean, saved_invstd"
    public static let parameters = [
        ParameterDoc(
            "layout", "string", default: "channels_last",
            "channels_last: x [..., C], normalise the last dim; channels_first: x [N, C, ...], normalise dim 1"),
        ParameterDoc("eps", "number", default: "1e-5", "added to the variance inside the square root"),
    ]
    public static let inputNames = ["x", "weight", "bias"]
    public static let outputNames = ["y", "saved_mean", "saved_invstd"]

    /// Rows are (o, i) for o < outer, i < inner; channel c of a row sits at
    /// o*C*inner + c*inner + i.
    let outer: Int
    let channels: Int
    let inner: Int
    let eps: Double
    /// The plan's thread count, for which the workspace was sized (one partial buffer per chunk).
    let chunks: Int
    public let outputs: [TensorSpec]
    public var workspaceBytes: Int { chunks * 2 * channels * MemoryLayout<Double>.stride }
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: [1, 2]) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32, "layernorm needs float32 input x", input: 0)
        let axis: Int
        switch params.layout {
        case .channelsLast:
            try KernelError.require(x.shape.rank >= 1, "layernorm channels_last needs x [..., C], got \(x.shape)", input: 0)
            axis = x.shape.rank - 1
        case .channelsFirst:
            try KernelError.require(x.shape.rank >= 2, "layernorm channels_first needs x [N, C, ...], got \(x.shape)", input: 0)
            axis = 1
        }
        let c = x.shape[axis]
        try KernelError.require(c > 0, "layernorm needs at least one channel, got x \(x.shape)", input: 0)
        for (i, name) in [(1, "weight"), (2, "bias")] {
            try KernelError.require(
                inputs[i] == TensorSpec([c]),
                "layernorm \(name) must be [\(c)] float32 for x \(x.shape) (\(params.layout.rawValue)), got \(inputs[i])",
                input: i)
        }
        try KernelError.require(params.eps > 0, "layernorm eps must be positive, got \(params.eps)")
        outer = x.shape.count(upTo: axis)
        channels = c
        inner = x.shape.count(from: axis + 1)
        eps = params.eps
        var statistics = x.shape.dims
        statistics[axis] = 1
        outputs = [x, TensorSpec(Shape(statistics)), TensorSpec(Shape(statistics))]
        chunks = threads
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, gamma = call.inputs[1].f, beta = call.inputs[2].f
        let y = call.outputs[0].f, savedMean = call.outputs[1].f, savedInvstd = call.outputs[2].f
        let ch = channels, inner = inner, eps = eps, n = Double(channels)
        Parallel.chunks(outer * inner, threads: chunks) { _, range in
            for r in range {
                let offset = (r / inner) * ch * inner + r % inner
                let p = x + offset, q = y + offset
                let x0 = Double(p[0])
                var sum = 0.0, squares = 0.0
                for c in 0..<ch {
                    let d = Double(p[c * inner]) - x0
                    sum += d
                    squares += d * d
                }
                let shift = sum / n
                let invstd = 1 / (max(squares / n - shift * shift, 0) + eps).squareRoot()
                let mu = Float(x0 + shift), s = Float(invstd)
                savedMean[r] = mu
                savedInvstd[r] = s
                for c in 0..<ch { q[c * inner] = (p[c * inner] - mu) * s * gamma[c] + beta[c] }
            }
        }
    }

    /// Per row, with g = dy*weight and xhat = (x - mean)*invstd:
    /// dx = invstd*(g - mean(g) - xhat*mean(g*xhat)) + dmean/C - dinvstd*invstd^3*(x - mean)/C.
    public func backward(_ call: KernelCall) {
        let x = call.inputs[0].f, gamma = call.inputs[1].f
        let savedMean = call.outputs[1].f, savedInvstd = call.outputs[2].f
        let gx = call.inputGrad(0)?.f, gGamma = call.inputGrad(1)?.f, gBeta = call.inputGrad(2)?.f
        let gy = call.outputGrad(0)?.f, gMean = call.outputGrad(1)?.f, gInvstd = call.outputGrad(2)?.f
        let ch = channels, inner = inner, n = Double(channels), rows = outer * inner
        let partials = call.workspace!.assumingMemoryBound(to: Double.self)
        let paramGrads = gy != nil && (gGamma != nil || gBeta != nil)
        if paramGrads { partials.update(repeating: 0, count: chunks * 2 * ch) }
        Parallel.chunks(rows, threads: chunks) { chunk, range in
            let pGamma = partials + chunk * 2 * ch, pBeta = pGamma + ch
            for r in range {
                let offset = (r / inner) * ch * inner + r % inner
                let p = x + offset
                let mu = savedMean[r], s = savedInvstd[r], invstd = Double(s)
                var sumG = 0.0, sumGX = 0.0
                if let gy {
                    let dy = gy + offset
                    for c in 0..<ch {
                        let d = dy[c * inner], centred = p[c * inner] - mu, g = d * gamma[c]
                        sumG += Double(g)
                        sumGX += Double(g * centred)
                        if paramGrads {
                            pGamma[c] += Double(d * centred * s)
                            pBeta[c] += Double(d)
                        }
                    }
                }
                guard let gx else { continue }
                // dx = invstd*g + k2 + k3*(x - mean)
                let gm = gMean.map { Double($0[r]) } ?? 0, gi = gInvstd.map { Double($0[r]) } ?? 0
                let b = Float((gm - invstd * sumG) / n)
                let a = Float(-invstd * invstd * invstd * (sumGX + gi) / n)
                let dx = gx + offset
                if let gy {
                    let dy = gy + offset
                    for c in 0..<ch { dx[c * inner] += s * dy[c * inner] * gamma[c] + (a * (p[c * inner] - mu) + b) }
                } else {
                    for c in 0..<ch { dx[c * inner] += a * (p[c * inner] - mu) + b }
                }
            }
        }
        guard paramGrads else { return }
        for c in 0..<ch {
            var sumGamma = 0.0, sumBeta = 0.0
            for k in 0..<chunks {
                sumGamma += partials[k * 2 * ch + c]
                sumBeta += partials[k * 2 * ch + ch + c]
            }
            gGamma?[c] += Float(sumGamma)
            gBeta?[c] += Float(sumBeta)
        }
    }
}
