/// Concatenation of 2 to 16 tensors along one axis (default 1, the channels of NCHW), as
/// T2B's semantic permeation and MDE's feature fusion need.
///
/// The inputs are positional, x0 ... x15: the protocol's input names are static, so all
/// sixteen are listed and the last 14 are optional. Every input has the same rank and
/// the same extents except along `axis`. Backward adds each slice of dy to the gradient
/// of the input it came from.
public struct Concat: Kernel {
    /// `axis`, default 1.
    public struct Params: PluginParams {
        @Param("the axis to concatenate along; negative counts from the end") public var axis = 1

        public init() {}

        public init(axis: Int = 1) {
            self.init()
            self.axis = axis
        }
    }

    public static let name = "concat"
    public static let summary = "y = concatenation of x0 ... x15 (2 to 16 inputs) along axis"
    public static let inputNames = (0..<16).map { "x\($0)" }
    public static let optionalInputs = 14

    /// Elements before `axis` (the number of blocks), each input's block length and their sum.
    let outer: Int
    let blocks: [Int]
    let total: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs.count >= 2 && inputs.count <= 16, "concat takes 2 to 16 inputs, got \(inputs.count)")
        let first = inputs[0]
        try KernelError.require(first.dtype == .float32, "concat needs float32 inputs", input: 0)
        let axis = try Axis.resolve(params.axis, rank: first.shape.rank, kernel: Self.name)
        var dims = first.shape.dims
        for (k, s) in inputs.enumerated().dropFirst() {
            var expected = first.shape.dims
            expected[axis] = s.shape.rank == first.shape.rank ? s.shape[axis] : 0
            try KernelError.require(
                s.dtype == .float32 && s.shape.dims == expected,
                "concat input x\(k) \(s) does not match x0 \(first) outside axis \(axis)", input: k)
            dims[axis] += s.shape[axis]
        }
        outer = first.shape.count(upTo: axis)
        blocks = inputs.map { $0.shape.count(from: axis) }
        total = blocks.reduce(0, +)
        outputs = [TensorSpec(Shape(dims))]
    }

    public func forward(_ call: KernelCall) {
        let y = call.outputs[0].f
        var offset = 0
        for (k, block) in blocks.enumerated() {
            let x = call.inputs[k].f
            for o in 0..<outer { (y + o * total + offset).update(from: x + o * block, count: block) }
            offset += block
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        var offset = 0
        for (k, block) in blocks.enumerated() {
            defer { offset += block }
            guard let gx = call.inputGrad(k)?.f else { continue }
            for o in 0..<outer {
                let src = gy + o * total + offset, dst = gx + o * block
                for j in 0..<block { dst[j] += src[j] }
            }
        }
    }
}
