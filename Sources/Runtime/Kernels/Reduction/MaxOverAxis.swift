/// Maximum of x over one axis (`axis`, a single int, unlike `sum`/`mean`'s `axes`
/// list), the axis removed (`torch.amax(x, dim)`), as a pooling:
/// `max` over the token axis of [B, N, C] is global max pooling of a token sequence.
/// Backward routes dy to the first position holding the maximum (the index
/// `torch.max(x, dim)` returns), found again from the saved input and output. A NaN in a
/// reduced run makes y NaN, and that run gets no gradient.
public struct MaxOverAxis: Kernel {
    /// The reduced axis.
    public struct Params: PluginParams {
        @Param("the axis to reduce; negative counts from the end (required)", required: true) public var axis = 0

        public init() {}

        public init(axis: Int) {
            self.init()
            self.axis = axis
        }
    }

    public static let name = "max"
    public static let summary = "y = max of x over one axis (removed), gradient to the first maximum"
    public static let inputNames = ["x"]

    /// Extents before, along and after the reduced axis.
    let outer: Int, extent: Int, inner: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0], outputs: [0]) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32, "max needs float32 input", input: 0)
        try KernelError.require(x.shape.rank >= 1 && x.shape.count > 0, "max needs a non-empty input, got \(x.shape)", input: 0)
        let axis = try Axis.resolve(params.axis, rank: x.shape.rank, kernel: Self.name)
        let dims = x.shape.dims
        outer = dims[..<axis].reduce(1, *)
        extent = dims[axis]
        inner = dims[(axis + 1)...].reduce(1, *)
        var kept = dims
        kept.remove(at: axis)
        outputs = [TensorSpec(kept.isEmpty ? [1] : Shape(kept))]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        for o in 0..<outer {
            let src = x + o * extent * inner, dst = y + o * inner
            for j in 0..<inner { dst[j] = src[j] }
            for a in 1..<max(extent, 1) {
                let row = src + a * inner
                for j in 0..<inner where row[j] > dst[j] || row[j].isNaN { dst[j] = row[j] }
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, y = call.outputs[0].f
        for o in 0..<outer {
            let src = x + o * extent * inner, grad = gx + o * extent * inner
            for j in 0..<inner {
                let target = y[o * inner + j]
                for a in 0..<extent where src[a * inner + j] == target {
                    grad[a * inner + j] += gy[o * inner + j]
                    break
                }
            }
        }
    }
}
