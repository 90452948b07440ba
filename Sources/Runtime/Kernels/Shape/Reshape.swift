/// y = x with a new shape of the same element count (row-major order unchanged), e.g.
/// [B, C] -> [B, 1, C] to stack branch outputs with `concat`. One entry of `shape` may
/// be -1: it takes whatever extent makes the counts agree. Backward: dx += dy.
public struct Reshape: Kernel {
    /// `shape`, required.
    public struct Params: PluginParams {
        @Param(
            "the output shape (required); at most one entry -1, inferred from the element count",
            type: "list of int", required: true)
        public var shape: [Int] = []

        public init() {}

        public init(shape: [Int]) {
            self.init()
            self.shape = shape
        }
    }

    public static let name = "reshape"
    public static let summary = "y = x viewed with another shape of the same element count"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        let inferred = params.shape.filter { $0 == -1 }.count
        try KernelError.require(
            inferred <= 1 && !params.shape.contains { $0 < -1 || $0 == 0 },
            "reshape shape \(params.shape) needs positive extents and at most one -1")
        let known = params.shape.filter { $0 > 0 }.reduce(1, *)
        try KernelError.require(
            x.shape.count % known == 0 && (inferred == 1 || known == x.shape.count),
            "reshape cannot view \(x.shape) (\(x.shape.count) elements) as \(params.shape)", input: 0)
        outputs = [TensorSpec(Shape(params.shape.map { $0 == -1 ? x.shape.count / known : $0 }), x.dtype)]
    }

    public func forward(_ call: KernelCall) {
        call.outputs[0].base.copyMemory(from: call.inputs[0].base, byteCount: call.inputs[0].spec.byteCount)
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        for i in 0..<call.inputs[0].count { gx[i] += gy[i] }
    }
}
