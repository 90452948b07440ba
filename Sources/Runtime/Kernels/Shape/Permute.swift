/// Axis permutation, PyTorch's `x.permute(axes).contiguous()`: output dimension i is
/// input dimension `axes[i]` (NCHW -> NHWC is `axes: [0, 2, 3, 1]`, back is
/// `[0, 3, 1, 2]`). Backward adds dy, permuted back, into dx.
///
/// At init, output dimensions of extent 1 are dropped and neighbours that are also
/// neighbours in x are merged, so NCHW -> NHWC becomes a batch of [C, HW] -> [HW, C]
/// transposes. The copy walks the output in blocks: when the innermost output
/// dimension is contiguous in x too, each block is one run; otherwise it is a 2-D
/// transpose between that dimension and the one contiguous in x, done in 16 x 16 tiles.
/// Blocks are split over `Parallel.chunks` when the tensor is large.
public struct Permute: Kernel {
    /// `axes`, required: a permutation of 0 ..< rank (negative values count from the end).
    public struct Params: PluginParams {
        @Param(
            "a permutation of the input's dimensions (required); output dimension i is input dimension axes[i], negative counts from the end",
            type: "list of int", required: true)
        public var axes: [Int] = []

        public init() {}

        public init(axes: [Int]) {
            self.init()
            self.axes = axes
        }
    }

    public static let name = "permute"
    public static let summary = "y = x with its dimensions reordered: y.shape[i] = x.shape[axes[i]]"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    /// The block walked per outer position: `rows` x `cols` elements, element (r, c) at
    /// x offset r * rowIn + c * colIn and y offset r * rowOut + c (the output is contiguous
    /// along c).
    let rows: Int
    let rowIn: Int
    let rowOut: Int
    let cols: Int
    let colIn: Int
    /// The remaining output dimensions, outermost first, with their x and y strides.
    let outerDims: [Int]
    let outerIn: [Int]
    let outerOut: [Int]
    let outerCount: Int
    let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32, "permute needs float32 input", input: 0)
        let rank = x.shape.rank
        try KernelError.require(
            params.axes.count == rank,
            "permute axes \(params.axes) must list each of the \(rank) dimensions of x \(x.shape) once", input: 0)
        var seen = [Bool](repeating: false, count: rank)
        var axes: [Int] = []
        for a in params.axes {
            let r = try Axis.resolve(a, rank: rank, kernel: Self.name)
            try KernelError.require(!seen[r], "permute axes \(params.axes) lists dimension \(r) twice")
            seen[r] = true
            axes.append(r)
        }
        outputs = [TensorSpec(Shape(axes.map { x.shape[$0] }))]

        // x strides of each output dimension; drop extent-1 dimensions, merge neighbours
        // that are contiguous in x as well.
        var inStride = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStride[d] = inStride[d + 1] * x.shape[d + 1] }
        var dims: [Int] = [], strides: [Int] = []
        for a in axes where x.shape[a] > 1 {
            if let last = strides.last, last == inStride[a] * x.shape[a] {
                dims[dims.count - 1] *= x.shape[a]
                strides[strides.count - 1] = inStride[a]
            } else {
                dims.append(x.shape[a])
                strides.append(inStride[a])
            }
        }
        if dims.isEmpty {
            dims = [1]
            strides = [1]
        }
        var outStride = [Int](repeating: 1, count: dims.count)
        for d in stride(from: dims.count - 2, through: 0, by: -1) { outStride[d] = outStride[d + 1] * dims[d + 1] }

        let last = dims.count - 1
        cols = dims[last]
        colIn = strides[last]
        var outer = Array(0..<last)
        if colIn == 1 {
            rows = 1
            rowIn = 0
            rowOut = 0
        } else {
            // The dimension that is contiguous in x exists: x's innermost dimension.
            let unit = strides.firstIndex(of: 1)!
            rows = dims[unit]
            rowIn = 1
            rowOut = outStride[unit]
            outer.removeAll { $0 == unit }
        }
        outerDims = outer.map { dims[$0] }
        outerIn = outer.map { strides[$0] }
        outerOut = outer.map { outStride[$0] }
        outerCount = outerDims.reduce(1, *)
        plan = ChunkPlan(work: x.shape.count, minimumWork: 1 << 16, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        walk(x: call.inputs[0].f, y: call.outputs[0].f, backward: false)
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        walk(x: gx, y: gy, backward: true)
    }

    /// Forward: y[out] = x[in]. Backward: x[in] += y[out] (x and y are then dx and dy).
    private func walk(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, backward: Bool) {
        let tile = 16
        plan.run(outerCount) { _, range in
            for o in range {
                var rest = o, xo = 0, yo = 0
                var d = outerDims.count - 1
                while d >= 0 {
                    let i = rest % outerDims[d]
                    rest /= outerDims[d]
                    xo += i * outerIn[d]
                    yo += i * outerOut[d]
                    d -= 1
                }
                let xb = x + xo, yb = y + yo
                if rows == 1 {
                    if backward {
                        for c in 0..<cols { xb[c] += yb[c] }
                    } else {
                        yb.update(from: xb, count: cols)
                    }
                    continue
                }
                var r0 = 0
                while r0 < rows {
                    let r1 = min(r0 + tile, rows)
                    var c0 = 0
                    while c0 < cols {
                        let c1 = min(c0 + tile, cols)
                        if backward {
                            for c in c0..<c1 {
                                let src = yb + c, dst = xb + c * colIn
                                for r in r0..<r1 { dst[r] += src[r * rowOut] }
                            }
                        } else {
                            for r in r0..<r1 {
                                let src = xb + r, dst = yb + r * rowOut
                                for c in c0..<c1 { dst[c] = src[c * colIn] }
                            }
                        }
                        c0 = c1
                    }
                    r0 = r1
                }
            }
        }
    }
}
