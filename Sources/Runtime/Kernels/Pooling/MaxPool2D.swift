/// 2-D max pooling over NCHW input (PyTorch's `max_pool2d`, floor mode): each output is
/// the largest input in its window; padded positions never win.
///
/// Params: see `Pool2DParams` (`kernel`, `stride` default kernel, `padding` default 0).
/// Input `x` [N, C, H, W]; output `y` [N, C, outH, outW].
/// Backward recomputes each window's argmax from the saved input (the first maximum in
/// row-major window order, a NaN winning as in PyTorch) and adds `dy` there.
public struct MaxPool2D: Kernel {
    public typealias Params = Pool2DParams
    public static let name = "maxpool2d"
    public static let summary = "2-D max pooling over NCHW input"
    public static let inputNames = ["x"]

    public let window: Window2D
    public let outputs: [TensorSpec]
    private let planes: Int
    private let plan: ChunkPlan

    public var saved: SavedTensors { SavedTensors(inputs: [0], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        window = try params.window(over: x, kernelName: Self.name)
        planes = x.shape[0] * x.shape[1]
        plan = ChunkPlan(work: x.shape.count, minimumWork: 1 << 16, threads: threads)
        outputs = [TensorSpec([x.shape[0], x.shape[1], window.outH, window.outW])]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f, win = window
        plan.run(planes) { _, range in
            for plane in range {
                let xp = x + plane * win.inPlane, yp = y + plane * win.outPlane
                for oh in 0..<win.outH {
                    for ow in 0..<win.outW { yp[oh * win.outW + ow] = xp[argmax(xp, oh, ow)] }
                }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let dx = call.inputGrad(0)?.f, let dy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, win = window
        plan.run(planes) { _, range in
            for plane in range {
                let xp = x + plane * win.inPlane, dxp = dx + plane * win.inPlane, dyp = dy + plane * win.outPlane
                for oh in 0..<win.outH {
                    for ow in 0..<win.outW { dxp[argmax(xp, oh, ow)] += dyp[oh * win.outW + ow] }
                }
            }
        }
    }

    /// The index in the plane `xp` of the maximum of output (oh, ow)'s window.
    @inline(__always)
    private func argmax(_ xp: UnsafePointer<Float>, _ oh: Int, _ ow: Int) -> Int {
        let win = window
        let h0 = oh * win.stride.h - win.padding.h, w0 = ow * win.stride.w - win.padding.w
        let hLo = max(h0, 0), hHi = min(h0 + win.kernel.h, win.inH)
        let wLo = max(w0, 0), wHi = min(w0 + win.kernel.w, win.inW)
        var best = hLo * win.inW + wLo
        var maximum = -Float.infinity
        for ih in hLo..<hHi {
            for iw in wLo..<wHi {
                let v = xp[ih * win.inW + iw]
                if v > maximum || v.isNaN {
                    maximum = v
                    best = ih * win.inW + iw
                }
            }
        }
        return best
    }
}
