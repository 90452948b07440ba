/// Per-channel scaling, y = gamma[c] * x along one axis: ConvNeXt's layer scale (CaiT's
/// LayerScale), with `axis: -1` on a channels-last tensor or `axis: 1` on NCHW.
///
/// Inputs x and gamma [C] (C = x.shape[axis]). Backward: dx += gamma * dy and
/// dgamma[c] += sum of dy * x over every other index, accumulated in Double through
/// per-chunk partials summed in chunk order. Like the other elementwise products it
/// counts no MACs (the papers' tables leave layer scale out).
public struct LayerScale: Kernel {
    /// `axis`, default 1 (the channels of NCHW).
    public struct Params: PluginParams {
        @Param("the channel axis gamma runs along; negative counts from the end (-1: channels last)")
        public var axis = 1

        public init() {}

        public init(axis: Int = 1) {
            self.init()
            self.axis = axis
        }
    }

    public static let name = "layer_scale"
    public static let summary = "y = gamma * x with one factor per index along axis (layer scale)"
    public static let inputNames = ["x", "gamma"]

    /// x is [outer, channels, inner] around the axis.
    let outer: Int
    let channels: Int
    let inner: Int
    let plan: ChunkPlan
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    public var workspaceBytes: Int { plan.chunks * channels * MemoryLayout<Double>.stride }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32 && x.shape.rank >= 1, "layer_scale needs float32 input x, got \(x)", input: 0)
        let axis = try Axis.resolve(params.axis, rank: x.shape.rank, kernel: Self.name)
        channels = x.shape[axis]
        try KernelError.require(
            inputs[1] == TensorSpec([channels]),
            "layer_scale gamma must be [\(channels)] float32 for x \(x.shape) (axis \(axis)), got \(inputs[1])",
            input: 1)
        outer = x.shape.count(upTo: axis)
        inner = x.shape.count(from: axis + 1)
        plan = ChunkPlan(work: x.shape.count, minimumWork: 1 << 16, threads: threads)
        outputs = [x]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, gamma = call.inputs[1].f, y = call.outputs[0].f
        let ch = channels, inner = inner
        plan.run(outer) { _, range in
            for o in range {
                let base = o * ch * inner
                if inner == 1 {
                    let xr = x + base, yr = y + base
                    for c in 0..<ch { yr[c] = gamma[c] * xr[c] }
                } else {
                    for c in 0..<ch {
                        let g = gamma[c], xr = x + base + c * inner, yr = y + base + c * inner
                        for i in 0..<inner { yr[i] = g * xr[i] }
                    }
                }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, gamma = call.inputs[1].f
        let gx = call.inputGrad(0)?.f, gGamma = call.inputGrad(1)?.f
        let ch = channels, inner = inner
        let partials = call.workspace!.assumingMemoryBound(to: Double.self)
        if gGamma != nil { partials.update(repeating: 0, count: plan.chunks * ch) }
        plan.run(outer) { chunk, range in
            let acc = partials + chunk * ch
            for o in range {
                let base = o * ch * inner
                if inner == 1 {
                    let xr = x + base, dy = gy + base
                    if let gx {
                        let dx = gx + base
                        for c in 0..<ch { dx[c] = gamma[c] * dy[c] + dx[c] }
                    }
                    if gGamma != nil {
                        for c in 0..<ch { acc[c] += Double(dy[c] * xr[c]) }
                    }
                    continue
                }
                for c in 0..<ch {
                    let g = gamma[c], xr = x + base + c * inner, dy = gy + base + c * inner
                    if let gx {
                        let dx = gx + base + c * inner
                        for i in 0..<inner { dx[i] = g * dy[i] + dx[i] }
                    }
                    if gGamma != nil {
                        var sum: Float = 0
                        for i in 0..<inner { sum = dy[i] * xr[i] + sum }
                        acc[c] += Double(sum)
                    }
                }
            }
        }
        guard let gGamma else { return }
        for c in 0..<ch {
            var sum = 0.0
            for k in 0..<plan.chunkCount(outer) { sum += partials[k * ch + c] }
            gGamma[c] += Float(sum)
        }
    }
}
