/// Multiplication by a constant, y = alpha * x, elementwise over any shape.
/// Backward: dx = alpha * dy.
public struct Scale: Kernel {
    /// `alpha`, required.
    public struct Params: PluginParams {
        @Param("the constant factor (required)", required: true) public var alpha: Float = 1

        public init() {}

        public init(alpha: Float) {
            self.init()
            self.alpha = alpha
        }
    }
    public static let name = "scale"
    public static let summary = "y = alpha * x, elementwise"
    public static let inputNames = ["x"]

    let alpha: Float
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "scale needs float32 input", input: 0)
        try KernelError.require(params.alpha.isFinite, "scale alpha must be finite, got \(params.alpha)")
        alpha = params.alpha
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f, alpha = alpha
        for i in 0..<call.outputs[0].count { y[i] = alpha * x[i] }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let alpha = alpha
        for i in 0..<call.outputs[0].count { gx[i] += alpha * gy[i] }
    }
}
