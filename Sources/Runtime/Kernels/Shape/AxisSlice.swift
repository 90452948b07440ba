/// The `slice` kernel: the part of x from `start` for `length` elements along `axis`
/// (default 1, the channels of NCHW). Backward adds dy into that part of dx and leaves
/// the rest. (The type is AxisSlice so as not to shadow the standard library's `Slice`.)
public struct AxisSlice: Kernel {
    /// `axis` (default 1), `start` and `length` (required).
    public struct Params: PluginParams {
        @Param("the axis to slice; negative counts from the end") public var axis = 1
        @Param("first index kept along axis (required, 0-based)", required: true) public var start = 0
        @Param("number of indices kept along axis (required, at least 1)", required: true) public var length = 1

        public init() {}

        public init(axis: Int = 1, start: Int, length: Int) {
            self.init()
            (self.axis, self.start, self.length) = (axis, start, length)
        }
    }

    public static let name = "slice"
    public static let summary = "y = x[start ..< start + length] along axis"
    public static let inputNames = ["x"]

    /// Elements before `axis`; elements of x and of y per outer index; offset of the slice.
    let outer: Int
    let inBlock: Int
    let outBlock: Int
    let offset: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32, "slice needs float32 input", input: 0)
        let axis = try Axis.resolve(params.axis, rank: x.shape.rank, kernel: Self.name)
        let extent = x.shape[axis]
        try KernelError.require(params.length >= 1, "slice length must be at least 1, got \(params.length)")
        try KernelError.require(
            params.start >= 0 && params.start + params.length <= extent,
            "slice \(params.start)..<\(params.start + params.length) is outside 0..<\(extent) of axis \(axis) of x \(x.shape)",
            input: 0)
        var dims = x.shape.dims
        dims[axis] = params.length
        let inner = x.shape.count(from: axis + 1)
        outer = x.shape.count(upTo: axis)
        inBlock = extent * inner
        outBlock = params.length * inner
        offset = params.start * inner
        outputs = [TensorSpec(Shape(dims))]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        for o in 0..<outer { (y + o * outBlock).update(from: x + o * inBlock + offset, count: outBlock) }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        for o in 0..<outer {
            let src = gy + o * outBlock, dst = gx + o * inBlock + offset
            for j in 0..<outBlock { dst[j] += src[j] }
        }
    }
}
