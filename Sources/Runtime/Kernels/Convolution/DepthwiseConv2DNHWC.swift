/// Depthwise 2-D convolution on a channels-last map, stride 1 and "same" zero padding
/// ((k - 1) / 2 on each side, odd kernels), optionally inside windows: ConvNeXt's 7x7
/// block convolution on NHWC stages, and CSWin's LePE, where each stripe window of v
/// is its own zero-padded image.
///
/// Inputs: `x` [B, H, W, Cx], `weight` [C, 1, kh, kw] (PyTorch's depthwise layout),
/// optional `bias` [C]. Channel c convolves x's channel `start` + c, so LePE reads v
/// straight out of a fused qkv map. Output `y` [B, H, W, C]. With `window: [h, w]`
/// (which must tile the map) taps that fall outside an output's window read zero, as if
/// every window were a separate image; the default window is the whole map.
///
/// The loops run over the channels innermost (contiguous in x and y), with the weight
/// transposed to [taps, C] in the workspace. Windows are split over `Parallel.chunks`;
/// backward scatters into dx window by window and accumulates the weight and bias
/// gradients in per-chunk partials summed in chunk order. MACs count every tap of every
/// output, as for conv2d.
public struct DepthwiseConv2DNHWC: Kernel {
    /// `window` (default: the whole map) and `start` (default 0).
    public struct Params: Decodable, Sendable {
        public var window: SpatialPair?
        public var start: Int

        private enum CodingKeys: String, CodingKey { case window, start }

        public init(window: SpatialPair? = nil, start: Int = 0) {
            self.window = window
            self.start = start
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            window = try c.decodeIfPresent(SpatialPair.self, forKey: .window)
            start = try c.decodeIfPresent(Int.self, forKey: .start) ?? 0
        }
    }

    public static let name = "depthwise_conv2d_nhwc"
    public static let summary = "depthwise conv, stride 1, same zero padding, on channels-last x [B, H, W, C], optionally per window"
    public static let parameters = [
        ParameterDoc(
            "window", "int or [h, w]", default: "the whole map",
            "windows that tile the map; each is zero-padded on its own (CSWin LePE)"),
        ParameterDoc("start", "int", default: "0", "the channel of x that output channel 0 convolves"),
    ]
    public static let inputNames = ["x", "weight", "bias"]
    public static let optionalInputs = 1

    let grid: WindowGrid
    let kernelH: Int
    let kernelW: Int
    let hasBias: Bool
    let plan: ChunkPlan
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    public var macs: Int { grid.batch * grid.height * grid.width * grid.channels * kernelH * kernelW }
    /// The transposed weight [taps, C], then per chunk a weight-gradient partial [taps, C] and a bias partial [C].
    public var workspaceBytes: Int { (taps * grid.channels + plan.chunks * (taps + 1) * grid.channels) * 4 }
    var taps: Int { kernelH * kernelW }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0], w = inputs[1]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4,
            "depthwise_conv2d_nhwc needs float32 channels-last x [B, H, W, C], got \(x)", input: 0)
        try KernelError.require(
            w.dtype == .float32 && w.shape.rank == 4 && w.shape[1] == 1 && w.shape[0] >= 1,
            "depthwise_conv2d_nhwc weight must be float32 [C, 1, kh, kw], got \(w)", input: 1)
        let (h, wd, cx, c) = (x.shape[1], x.shape[2], x.shape[3], w.shape[0])
        try KernelError.require(
            w.shape[2] % 2 == 1 && w.shape[3] % 2 == 1,
            "depthwise_conv2d_nhwc needs an odd kernel for same padding, got \(w.shape[2])x\(w.shape[3])", input: 1)
        try KernelError.require(
            params.start >= 0 && params.start + c <= cx,
            "depthwise_conv2d_nhwc channels \(params.start)..<\(params.start + c) are outside the \(cx) channels of x \(x.shape)",
            input: 0)
        hasBias = inputs.count > 2
        if hasBias {
            try KernelError.require(
                inputs[2] == TensorSpec([c]), "depthwise_conv2d_nhwc bias must be float32 [\(c)], got \(inputs[2])",
                input: 2)
        }
        let window = params.window ?? SpatialPair(h, wd)
        try KernelError.require(
            window.h >= 1 && window.w >= 1 && h % window.h == 0 && wd % window.w == 0,
            "depthwise_conv2d_nhwc window \(window.h)x\(window.w) does not tile the \(h)x\(wd) map of x \(x.shape)", input: 0)
        kernelH = w.shape[2]
        kernelW = w.shape[3]
        grid = WindowGrid(
            batch: x.shape[0], height: h, width: wd, window: window, mapChannels: cx, start: params.start,
            channels: c, heads: 1, layout: .heads, threads: threads)
        plan = ChunkPlan(work: x.shape[0] * h * wd * c * kernelH * kernelW, minimumWork: 1 << 18, threads: threads)
        outputs = [TensorSpec([x.shape[0], h, wd, c])]
    }

    /// Calls `body(window, outputOffset, inputOffset, tap)` for every in-window tap of
    /// every output of the windows in `range`; offsets are in floats.
    @inline(__always)
    private func forEachTap(_ range: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        let g = grid, (wh, ww) = (g.window.h, g.window.w), (nW, nH) = (g.windowsPerRow, g.windowsPerColumn)
        let (ph, pw, kw) = ((kernelH - 1) / 2, (kernelW - 1) / 2, kernelW)
        for win in range {
            let j = win % nW, i = (win / nW) % nH, b = win / (nW * nH)
            let origin = (b * g.height + i * wh) * g.width + j * ww
            for r in 0..<wh {
                for col in 0..<ww {
                    let out = (origin + r * g.width + col) * g.channels
                    for ti in max(0, ph - r)..<min(kernelH, wh + ph - r) {
                        let row = origin + (r + ti - ph) * g.width
                        for tj in max(0, pw - col)..<min(kw, ww + pw - col) {
                            body(out, (row + col + tj - pw) * g.mapChannels + g.start, ti * kw + tj)
                        }
                    }
                }
            }
        }
    }

    /// Calls `body(outputOffset)` for every output position of the windows in `range`.
    @inline(__always)
    private func forEachPosition(_ range: Range<Int>, _ body: (Int) -> Void) {
        let g = grid, (wh, ww) = (g.window.h, g.window.w), (nW, nH) = (g.windowsPerRow, g.windowsPerColumn)
        for win in range {
            let j = win % nW, i = (win / nW) % nH, b = win / (nW * nH)
            let origin = (b * g.height + i * wh) * g.width + j * ww
            for r in 0..<wh {
                for col in 0..<ww { body((origin + r * g.width + col) * g.channels) }
            }
        }
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, w = call.inputs[1].f, y = call.outputs[0].f
        let c = grid.channels, taps = taps
        let wt = call.scratch
        for k in 0..<c { for t in 0..<taps { wt[t * c + k] = w[k * taps + t] } }
        let bias: UnsafeMutablePointer<Float>? = hasBias ? call.inputs[2].f : nil
        plan.run(grid.windowCount) { _, range in
            // Bias (or zero) first, then every tap adds onto its output row.
            forEachPosition(range) { out in
                if let bias { (y + out).update(from: bias, count: c) } else { (y + out).update(repeating: 0, count: c) }
            }
            forEachTap(range) { out, src, tap in
                let dst = y + out, xs = x + src, wk = wt + tap * c
                for k in 0..<c { dst[k] = wk[k] * xs[k] + dst[k] }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, w = call.inputs[1].f
        let gx = call.inputGrad(0)?.f, gw = call.inputGrad(1)?.f, gb = hasBias ? call.inputGrad(2)?.f : nil
        let c = grid.channels, taps = taps
        let wt = call.scratch, partials = wt + taps * c
        if gx != nil {
            for k in 0..<c { for t in 0..<taps { wt[t * c + k] = w[k * taps + t] } }
        }
        let chunks = plan.chunkCount(grid.windowCount)
        if gw != nil || gb != nil { partials.update(repeating: 0, count: chunks * (taps + 1) * c) }
        plan.run(grid.windowCount) { chunk, range in
            let pw = partials + chunk * (taps + 1) * c, pb = pw + taps * c
            if let gx {
                forEachTap(range) { out, src, tap in
                    let dy = gy + out, dx = gx + src, wk = wt + tap * c
                    for k in 0..<c { dx[k] = wk[k] * dy[k] + dx[k] }
                }
            }
            if gw != nil {
                forEachTap(range) { out, src, tap in
                    let dy = gy + out, xs = x + src, acc = pw + tap * c
                    for k in 0..<c { acc[k] = dy[k] * xs[k] + acc[k] }
                }
            }
            if gb != nil {
                forEachPosition(range) { out in
                    let dy = gy + out
                    for k in 0..<c { pb[k] += dy[k] }
                }
            }
        }
        for chunk in 0..<chunks {
            let pw = partials + chunk * (taps + 1) * c, pb = pw + taps * c
            if let gw { for k in 0..<c { for t in 0..<taps { gw[k * taps + t] += pw[t * c + k] } } }
            if let gb { for k in 0..<c { gb[k] += pb[k] } }
        }
    }
}
