/// 2-D average pooling over NCHW input (PyTorch's `avg_pool2d` defaults: floor mode,
/// `count_include_pad`): each output is the sum of its window divided by kh * kw, padded
/// zeros included.
///
/// Params: see `Pool2DParams` (`kernel`, `stride` default kernel, `padding` default 0).
/// Input `x` [N, C, H, W]; output `y` [N, C, outH, outW].
public struct AvgPool2D: Kernel {
    public typealias Params = Pool2DParams
    public static let name = "avgpool2d"
    public static let summary = "2-D average pooling over NCHW input, padded zeros counted"
    public static let inputNames = ["x"]

    public let window: Window2D
    public let outputs: [TensorSpec]
    private let planes: Int
    private let plan: ChunkPlan

    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        window = try params.window(over: x, kernelName: Self.name)
        planes = x.shape[0] * x.shape[1]
        plan = ChunkPlan(work: x.shape.count, minimumWork: 1 << 16, threads: threads)
        outputs = [TensorSpec([x.shape[0], x.shape[1], window.outH, window.outW])]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f, win = window
        let scale = 1 / Float(win.kernel.h * win.kernel.w)
        plan.run(planes) { _, range in
            for plane in range {
                let xp = x + plane * win.inPlane, yp = y + plane * win.outPlane
                for oh in 0..<win.outH {
                    let rows = inputRange(oh, stride: win.stride.h, padding: win.padding.h, kernel: win.kernel.h, size: win.inH)
                    for ow in 0..<win.outW {
                        let cols = inputRange(ow, stride: win.stride.w, padding: win.padding.w, kernel: win.kernel.w, size: win.inW)
                        var sum: Float = 0
                        for ih in rows { for iw in cols { sum += xp[ih * win.inW + iw] } }
                        yp[oh * win.outW + ow] = sum * scale
                    }
                }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let dx = call.inputGrad(0)?.f, let dy = call.outputGrad(0)?.f else { return }
        let win = window
        let scale = 1 / Float(win.kernel.h * win.kernel.w)
        plan.run(planes) { _, range in
            for plane in range {
                let dxp = dx + plane * win.inPlane, dyp = dy + plane * win.outPlane
                for oh in 0..<win.outH {
                    let rows = inputRange(oh, stride: win.stride.h, padding: win.padding.h, kernel: win.kernel.h, size: win.inH)
                    for ow in 0..<win.outW {
                        let cols = inputRange(ow, stride: win.stride.w, padding: win.padding.w, kernel: win.kernel.w, size: win.inW)
                        let g = dyp[oh * win.outW + ow] * scale
                        for ih in rows { for iw in cols { dxp[ih * win.inW + iw] += g } }
                    }
                }
            }
        }
    }

    /// The input positions inside the plane covered by the window of output `o`.
    @inline(__always)
    private func inputRange(_ o: Int, stride: Int, padding: Int, kernel: Int, size: Int) -> Range<Int> {
        let start = o * stride - padding
        return max(start, 0)..<min(start + kernel, size)
    }
}
