/// Bilinear resizing of NCHW input, x [N, C, H, W] -> y [N, C, H', W'], exactly
/// `torch.nn.functional.interpolate(x, mode="bilinear", align_corners=...)`:
/// y[oh, ow] = wh0 * (ww0 x[h0, w0] + ww1 x[h0, w1]) + wh1 * (ww0 x[h1, w0] + ww1 x[h1, w1])
/// with the taps of `LinearTaps` along each axis.
///
/// Params: `scale` s (H' = H s, W' = W s; default 2) or `size: [H', W']` (not both),
/// `align_corners` (default true). Backward is the adjoint: every dy is spread back over
/// its four taps with the same weights, summed per input plane in Double in workspace and
/// added (+=) into dx. Planes (n, c) are split over threads, each chunk with its own
/// accumulator.
public struct UpsampleBilinear: Kernel {
    public struct Params: PluginParams {
        @Param("integer factor s: y is [N, C, H*s, W*s]; leave out when size is given", .atLeast(1), shownDefault: "2")
        public var scale: Int? = nil
        @Param("explicit output [h, w] instead of a scale", .atLeast(1))
        public var size: [Int]? = nil
        @Param("true: source = dst * (in - 1) / (out - 1); false: half-pixel, (dst + 0.5) * in / out - 0.5 clamped at 0")
        public var alignCorners = true

        public init() {}
        public init(scale: Int? = nil, size: [Int]? = nil, alignCorners: Bool = true) {
            (self.scale, self.size, self.alignCorners) = (scale, size, alignCorners)
        }
    }

    public static let name = "upsample_bilinear"
    public static let summary = "bilinear resize of NCHW x to [N, C, H*s, W*s] or a given size (torch interpolate, align_corners)"
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }
    public var workspaceBytes: Int { plan.chunks * inH * inW * MemoryLayout<Double>.stride }
    let inH: Int, inW: Int, outH: Int, outW: Int
    let planes: Int
    let rowTaps: [LinearTap]
    let columnTaps: [LinearTap]
    let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4 && x.shape[2] > 0 && x.shape[3] > 0,
            "upsample_bilinear needs float32 input x [N, C, H, W] with H, W > 0, got \(x)", input: 0)
        try KernelError.require(params.scale == nil || params.size == nil, "upsample_bilinear takes scale or size, not both")
        (inH, inW) = (x.shape[2], x.shape[3])
        if let size = params.size {
            try KernelError.require(size.count == 2, "upsample_bilinear size must be [h, w], got \(size)")
            (outH, outW) = (size[0], size[1])
        } else {
            let s = params.scale ?? 2
            (outH, outW) = (inH * s, inW * s)
        }
        planes = x.shape[0] * x.shape[1]
        rowTaps = LinearTaps.taps(input: inH, output: outH, alignCorners: params.alignCorners)
        columnTaps = LinearTaps.taps(input: inW, output: outW, alignCorners: params.alignCorners)
        outputs = [TensorSpec([x.shape[0], x.shape[1], outH, outW])]
        plan = ChunkPlan(work: planes * outH * outW, minimumWork: 1 << 15, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        let (inW, outH, outW) = (inW, outH, outW), inPlane = inH * inW, outPlane = outH * outW
        rowTaps.withUnsafeBufferPointer { rows in
            columnTaps.withUnsafeBufferPointer { columns in
                plan.run(planes) { _, range in
                    for plane in range {
                        let xp = x + plane * inPlane, yp = y + plane * outPlane
                        for oh in 0..<outH {
                            let t = rows[oh]
                            let top = xp + t.i0 * inW, bottom = xp + t.i1 * inW, yr = yp + oh * outW
                            for ow in 0..<outW {
                                let c = columns[ow]
                                let upper = top[c.i0] * c.w0 + top[c.i1] * c.w1
                                let lower = bottom[c.i0] * c.w0 + bottom[c.i1] * c.w1
                                yr[ow] = upper * t.w0 + lower * t.w1
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let dx = call.inputGrad(0)?.f, let dy = call.outputGrad(0)?.f else { return }
        let (inW, outH, outW) = (inW, outH, outW), inPlane = inH * inW, outPlane = outH * outW
        let scratch = call.workspace!.assumingMemoryBound(to: Double.self)
        rowTaps.withUnsafeBufferPointer { rows in
            columnTaps.withUnsafeBufferPointer { columns in
                plan.run(planes) { chunk, range in
                    let sum = scratch + chunk * inPlane
                    for plane in range {
                        sum.update(repeating: 0, count: inPlane)
                        let dyp = dy + plane * outPlane
                        for oh in 0..<outH {
                            let t = rows[oh]
                            let top = sum + t.i0 * inW, bottom = sum + t.i1 * inW, gr = dyp + oh * outW
                            for ow in 0..<outW {
                                let c = columns[ow]
                                let upper = Double(gr[ow]) * Double(t.w0), lower = Double(gr[ow]) * Double(t.w1)
                                let (w0, w1) = (Double(c.w0), Double(c.w1))
                                top[c.i0] += upper * w0
                                top[c.i1] += upper * w1
                                bottom[c.i0] += lower * w0
                                bottom[c.i1] += lower * w1
                            }
                        }
                        let dxp = dx + plane * inPlane
                        for k in 0..<inPlane { dxp[k] += Float(sum[k]) }
                    }
                }
            }
        }
    }
}
