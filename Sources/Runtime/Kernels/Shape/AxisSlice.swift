/// The `slice` kernel: the part of x from `start` for `length` elements along `axis`
/// (default 1, the channels of NCHW). Backward adds dy into that part of dx and leaves
/// the rest. (The type is AxisSlice so as not to shadow the standard library's `Slice`.)
public struct AxisSlice: Kernel {
    /// `axis` (default 1), `start` and `length` (required).
    public struct Params: Codable, Sendable {
        public var axis: Int
        public var start: Int
        public var length: Int

        private enum CodingKeys: String, CodingKey { case axis, start, length }

        public init(axis: Int = 1, start: Int, length: Int) {
            self.axis = axis
            self.start = start
            self.length = length
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // Read every key before reporting a missing one, so that none is taken for unknown.
            axis = try c.decodeIfPresent(Int.self, forKey: .axis) ?? 1
            let start = try c.decodeIfPresent(Int.self, forKey: .start)
            let length = try c.decodeIfPresent(Int.self, forKey: .length)
            guard let start, let length else {
                let key = start == nil ? "start" : "length"
                throw ParamError(path: [key], "missing required key '\(key)'")
            }
            self.start = start
            self.length = length
        }
    }

    public static let name = "slice"
    public static let summary = "y = x[start ..< start + length] along axis"
    public static let parameters = [
        ParameterDoc("axis", "int", default: "1", "the axis to slice; negative counts from the end"),
        ParameterDoc("start", "int", "first index kept along axis (required, 0-based)"),
        ParameterDoc("length", "int", "number of indices kept along axis (required, at least 1)"),
    ]
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
        try KernelError.require(params.start >= 0 && params.start + params.length <= extent,
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
